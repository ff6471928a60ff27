"""Import organisations and people from CSV and XLSX: read, map columns, validate, upsert."""
