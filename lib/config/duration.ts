/** Go `time.Duration` parsing and formatting (metav1.Duration on the wire): see util/duration.ts. */
export * from "../util/duration.ts";
