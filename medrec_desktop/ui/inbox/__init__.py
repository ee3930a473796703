"""The scanner inbox (issue 12): scans waiting to be filed, filing, not ours, splitting."""
