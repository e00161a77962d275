/**
 * The shape of `fetch` that Tally's edges depend on. Production wires the global fetch; tests
 * wire the simulator's in-process `fetch`, so no test needs a real network.
 */
export type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
