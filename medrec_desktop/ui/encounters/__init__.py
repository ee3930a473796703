"""Encounters with their SOAP notes, signing, addenda and amendment requests (issue 10), and
the clinic's "Today" list."""
