// Stamped by scripts/build.ts into the release artifacts; these are the values of a source run.
// `build` is kubestrap's `git describe` ("dev" from source), reported as `kubestrapVersion` after
// kubeadm's version fields.
// Keep the four fields together and in this order: the build script replaces them in place.
export const BUILD_INFO = {
  gitCommit: "",
  gitTreeState: "",
  buildDate: "1970-01-01T00:00:00Z",
  build: "dev",
};
