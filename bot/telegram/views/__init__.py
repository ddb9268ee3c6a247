"""Views: what the services show, put into messages and keyboards in the reader's language."""
