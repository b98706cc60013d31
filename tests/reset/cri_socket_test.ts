/**
 * Which CRI socket `reset` uses when neither `--cri-socket` nor the ResetConfiguration names one:
 * the node's kubelet instance config (beyond kubeadm), else kubeadm's DetectCRISocket.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { resetCRISocket } from "../../phases/reset/data.ts";
import { fakeHostFacts } from "../../lib/config/host_facts.ts";
import {
  CRI_SOCKET_CONTAINERD,
  CRI_SOCKET_CRIO,
  DEFAULT_CRI_SOCKET,
} from "../../lib/config/constants.ts";

const instance = (text: string) => () => Promise.resolve(text);
const kubeletConfig = (endpoint: string) =>
  instance(
    `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: ${endpoint}\n`,
  );
const none = () => Promise.resolve(undefined);

Deno.test("reset CRI socket: the node's kubelet instance config names the runtime", async () => {
  assertEquals(
    await resetCRISocket(
      kubeletConfig("unix:///run/k3s/containerd.sock"),
      fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] }),
    ),
    "unix:///run/k3s/containerd.sock",
  );
});

Deno.test("reset CRI socket: else kubeadm's detection: the one socket, none: default, several: error", async () => {
  assertEquals(
    await resetCRISocket(none, fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] })),
    CRI_SOCKET_CRIO,
  );
  // An instance config without the field, or not YAML: detection too.
  assertEquals(
    await resetCRISocket(instance("kind: KubeletConfiguration\n"), fakeHostFacts()),
    DEFAULT_CRI_SOCKET,
  );
  assertEquals(
    await resetCRISocket(instance("{not yaml"), fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] })),
    CRI_SOCKET_CRIO,
  );
  await assertRejects(
    () =>
      resetCRISocket(none, fakeHostFacts({ criSockets: [CRI_SOCKET_CONTAINERD, CRI_SOCKET_CRIO] })),
    Error,
    "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock",
  );
});
