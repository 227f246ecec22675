"""Approval and delivery of a published version (docs/delivery.md): each recipient of the closed
and the open audience gets a personal watermarked copy over a channel, every step in the
delivery log REPORTS/deliveries.jsonl."""
