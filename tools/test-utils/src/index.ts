// Placeholder: conformance readers and shared fakes land here.
export {};
