"""Report rendering: formatting of numbers, HTML templates to PDF with WeasyPrint."""
