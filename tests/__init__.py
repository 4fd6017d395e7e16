"""jailsim's tests: one folder per package of src/jailsim (docs/architecture.md)."""
