// Stamped by scripts/build.ts into the release artifacts; these are the values of a source run.
export const BUILD_INFO = {
  gitCommit: "",
  gitTreeState: "",
  buildDate: "1970-01-01T00:00:00Z",
  /** Build metadata appended to the Kubernetes version: "dev" for a source run. */
  build: "dev",
};
