"""The `pypedream` command line."""
