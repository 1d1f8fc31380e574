"""The staff console: bureau and department staff draft, submit, review and share
catalog entries (every page behind `staff_only`)."""
