import { Badge } from "@shopify/polaris";

import type { SwitchStatus } from "~/syncs/control.server";

type Status = SwitchStatus["status"];

const BADGES: Record<Status, { label: string; tone?: "success" | "info" | "critical" | "warning" }> = {
  off: { label: "Off" },
  enabling: { label: "Turning on…", tone: "info" },
  on: { label: "On", tone: "success" },
  disabling: { label: "Turning off…", tone: "info" },
  error: { label: "Error", tone: "critical" },
  revoked: { label: "Access removed", tone: "warning" },
};

export function SyncStatusBadge({ status }: { status: Status }) {
  const { label, tone } = BADGES[status];
  const progress = status === "on" ? "complete" : status === "enabling" || status === "disabling" ? "partiallyComplete" : undefined;
  return (
    <Badge tone={tone} progress={progress}>
      {label}
    </Badge>
  );
}
