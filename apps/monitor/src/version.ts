/** Version of the x86kit CLI (the monitor app is versioned with the workspace). */
export const VERSION = '0.1.0';
