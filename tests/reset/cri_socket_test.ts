/**
 * Which CRI socket `reset` uses when neither `--cri-socket` nor the ResetConfiguration names one
 * (kubeadm's resetDetectCRISocket): the node's kubelet instance config when the cluster's
 * configuration could be read, else the sockets found on the host.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { resetCRISocket } from "../../phases/reset/data.ts";
import { fakeHostFacts } from "../../lib/config/host_facts.ts";
import {
  CRI_SOCKET_CONTAINERD,
  CRI_SOCKET_CRIO,
  DEFAULT_CRI_SOCKET,
} from "../../lib/config/constants.ts";

const instance = (endpoint: string) => () =>
  Promise.resolve(
    `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncontainerRuntimeEndpoint: ${endpoint}\n`,
  );
const none = () => Promise.resolve(undefined);

Deno.test("reset CRI socket: the node's instance config wins when the cluster config was read", async () => {
  const warnings: string[] = [];
  const got = await resetCRISocket(
    true,
    instance("unix:///run/k3s/containerd.sock"),
    fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] }),
    (s) => warnings.push(s),
  );
  assertEquals(got, "unix:///run/k3s/containerd.sock");
  assertEquals(warnings, []);
});

Deno.test("reset CRI socket: without an instance config, detection, else the default with warnings", async () => {
  const warnings: string[] = [];
  assertEquals(
    await resetCRISocket(
      true,
      none,
      fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] }),
      (s) => warnings.push(s),
    ),
    CRI_SOCKET_CRIO,
  );
  assertEquals(warnings, [
    `Node lacks a kubelet instance config file "/var/lib/kubelet/instance-config.yaml"; attempting auto-detection`,
  ]);
  warnings.length = 0;
  assertEquals(
    await resetCRISocket(
      true,
      none,
      fakeHostFacts({ criSockets: [CRI_SOCKET_CONTAINERD, CRI_SOCKET_CRIO] }),
      (s) => warnings.push(s),
    ),
    DEFAULT_CRI_SOCKET,
  );
  assertEquals(warnings.length, 2);
  assertEquals(
    warnings[1].startsWith("Auto-detection of CRI socket failed: found multiple CRI endpoints"),
    true,
  );
});

Deno.test("reset CRI socket: no cluster config: the host's one socket, none: default, several: error", async () => {
  const w = () => {};
  assertEquals(
    await resetCRISocket(
      false,
      instance("unix:///x.sock"),
      fakeHostFacts({ criSockets: [CRI_SOCKET_CRIO] }),
      w,
    ),
    CRI_SOCKET_CRIO,
  );
  assertEquals(await resetCRISocket(false, none, fakeHostFacts(), w), DEFAULT_CRI_SOCKET);
  await assertRejects(
    () =>
      resetCRISocket(
        false,
        none,
        fakeHostFacts({ criSockets: [CRI_SOCKET_CONTAINERD, CRI_SOCKET_CRIO] }),
        w,
      ),
    Error,
    "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/crio/crio.sock",
  );
});
