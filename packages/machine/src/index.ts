// Placeholder until this package's issue lands; see the issue tracker.
export {};
