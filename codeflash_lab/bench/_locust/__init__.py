"""Files run only inside Locust's own processes (never imported by the workbench)."""
