"""ADaM derivations: each dataset is a chain of named derivations on DataFrames."""
