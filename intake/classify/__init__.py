"""Document type per page (a calibrated model over the page's text and layout), and pages grouped
into documents."""
