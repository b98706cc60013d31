/**
 * mark-control-plane (phases/markcontrolplane): the control-plane labels and taints,
 * merged into the Node by a strategic-merge patch of the difference.
 */

import type { KubeClient } from "../kube/client.ts";
import { type NodeObject, patchNode, type PollOptions, type Taint } from "../kube/idempotency.ts";
import { LABEL_EXCLUDE_FROM_EXTERNAL_LB, LABEL_NODE_ROLE_CONTROL_PLANE } from "./constants.ts";
import { type Log, silent } from "./util.ts";

/** The labels kubeadm puts on control-plane nodes (value ""), in its order. */
const CONTROL_PLANE_LABELS = [LABEL_NODE_ROLE_CONTROL_PLANE, LABEL_EXCLUDE_FROM_EXTERNAL_LB];

/** The default `nodeRegistration.taints` of a control-plane node. */
export const CONTROL_PLANE_TAINT: Taint = {
  key: LABEL_NODE_ROLE_CONTROL_PLANE,
  effect: "NoSchedule",
};

/** core/v1 Taint.ToString: `key[=value]:effect`. */
function taintToString(t: Taint): string {
  if (!t.effect) return t.value ? `${t.key}=${t.value}:` : t.key;
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && (a.value ?? "") === (b.value ?? "") && a.effect === b.effect &&
    (a.timeAdded ?? "") === (b.timeAdded ?? "");
}

/**
 * kubeadm's markControlPlaneNode on a copy: labels set to "", taints = the given taints
 * followed by the node's existing taints that are not among them.
 */
export function markControlPlaneNode(node: NodeObject, taints: Taint[]): NodeObject {
  const n = structuredClone(node);
  n.metadata.labels ??= {};
  for (const l of CONTROL_PLANE_LABELS) n.metadata.labels[l] = "";
  const out = taints.map((t) => ({ ...t }));
  for (const nt of node.spec?.taints ?? []) {
    if (!taints.some((t) => sameTaint(t, nt))) out.push(nt);
  }
  n.spec ??= {};
  if (out.length > 0) n.spec.taints = out;
  else delete n.spec.taints;
  return n;
}

/** The lines kubeadm prints (the taint line only when there are taints). */
export function markControlPlaneMessages(nodeName: string, taints: Taint[]): string[] {
  const lines = [
    `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the labels: [${
      CONTROL_PLANE_LABELS.join(" ")
    }]`,
  ];
  if (taints.length > 0) {
    lines.push(
      `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the taints [${
        taints.map(taintToString).join(" ")
      }]`,
    );
  }
  return lines;
}

/** kubeadm's MarkControlPlane: wait for the Node and patch labels and taints. */
export async function markControlPlane(
  client: KubeClient,
  nodeName: string,
  taints: Taint[] = [CONTROL_PLANE_TAINT],
  log: Log = silent,
  opts: PollOptions = {},
): Promise<void> {
  for (const l of markControlPlaneMessages(nodeName, taints)) log(l);
  await patchNode(client, nodeName, (n) => {
    const marked = markControlPlaneNode(n, taints);
    n.metadata.labels = marked.metadata.labels;
    n.spec = marked.spec;
  }, opts);
}
