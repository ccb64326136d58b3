import { useCallback, useEffect, useRef, useState } from "react";
import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";

import type { SwitchStatus } from "~/syncs/control.server";
import type { SyncActionResult, SyncIntent } from "~/syncs/ui/contract";

import { ActionErrorBanner, DeclinedBanner, RevokedBanner } from "./SyncBanners";
import { SyncStatusBadge } from "./SyncStatusBadge";
import { SyncStatusBlock } from "./SyncStatusBlock";

/**
 * One sync switch: its toggle and its status.
 *
 * Polaris has no switch control, so the toggle is a button that says what it will do ("Turn on" / "Turn off").
 * Flipping it is an immediate action, not an edit: it runs at once and reports with a toast. The App Bridge save
 * bar is for form fields that wait for Save (a sync's options); using it for the toggle would make the merchant
 * confirm a change that has already happened, or hold back one that should not wait.
 *
 * The action is posted with a fetcher: App Bridge adds the session token to the app's own fetches, and the page
 * does not navigate, so the grant dialog and toasts stay in place.
 */
export function SyncSwitchCard({ sw, now }: { sw: SwitchStatus; now: string }) {
  const shopify = useAppBridge();
  const fetcher = useFetcher<SyncActionResult>();
  const { submit } = fetcher;
  // True while Shopify's grant dialog is open; the fetcher is idle then but the toggle is not.
  const [asking, setAsking] = useState(false);
  // A failure before anything reached the server (the grant dialog could not open, or Shopify granted and still
  // reports the scope missing).
  const [problem, setProblem] = useState<string | null>(null);
  const handled = useRef<SyncActionResult | null>(null);
  // Set when the enable being posted follows an approval: a second "needs scopes" answer must not reopen the
  // dialog, or a scope Shopify refuses to report would loop the merchant through it.
  const enableFollowsGrant = useRef(false);

  const post = useCallback(
    (intent: SyncIntent, scopes: string[] = []) => {
      const form = new FormData();
      form.set("intent", intent);
      form.set("key", sw.key);
      for (const scope of scopes) form.append("scope", scope);
      submit(form, { method: "post" });
    },
    [submit, sw.key],
  );

  const askThenEnable = useCallback(
    async (scopes: string[]) => {
      setAsking(true);
      try {
        const answer = await shopify.scopes.request(scopes);
        if (answer.result === "granted-all") {
          enableFollowsGrant.current = true;
          post("enable");
        } else {
          post("declined", scopes);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        setProblem(`Shopify could not show the permission request (${reason}). Reload the page and try again.`);
      } finally {
        setAsking(false);
      }
    },
    [shopify, post],
  );

  const turnOn = () => {
    setProblem(null);
    enableFollowsGrant.current = false;
    if (sw.missingScopes.length > 0) void askThenEnable(sw.missingScopes);
    else post("enable");
  };
  const turnOff = () => {
    setProblem(null);
    post("disable");
  };

  const data = fetcher.data;
  const idle = fetcher.state === "idle";
  useEffect(() => {
    if (!data || !idle || handled.current === data) return;
    handled.current = data;
    if (data.ok && data.intent !== "declined") {
      shopify.toast.show(`${sw.title} is ${data.intent === "enable" ? "on" : "off"}`);
    } else if (!data.ok && "needsScopes" in data) {
      if (enableFollowsGrant.current) {
        setProblem(
          `Shopify still reports ${data.needsScopes.join(", ")} as not granted after your approval. ` +
            "Reload the page and turn the sync on again.",
        );
      } else {
        void askThenEnable(data.needsScopes);
      }
    }
  }, [data, idle, shopify, sw.title, askThenEnable]);

  const pendingIntent = fetcher.formData?.get("intent");
  const status: SwitchStatus["status"] =
    pendingIntent === "enable" ? "enabling" : pendingIntent === "disable" ? "disabling" : sw.status;
  const busy = asking || !idle;
  const transitional = sw.status === "enabling" || sw.status === "disabling";
  const latest = idle && !asking ? data : undefined;
  const actionError = latest && !latest.ok && "error" in latest ? latest : null;
  const declined = latest?.ok && latest.intent === "declined" ? latest.scopes : declinedEarlier(sw);

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="400" wrap={false}>
          <BlockStack gap="100">
            {/* The switch's title is the section heading beside the card (SyncSettingsPage). An explicit align:
                Polaris passes alignment down as a CSS variable, so this row would inherit "space-between". */}
            <InlineStack gap="200" align="start" blockAlign="center">
              <Text as="h3" variant="headingSm">
                Status
              </Text>
              <SyncStatusBadge status={status} />
            </InlineStack>
            <Text as="p" tone="subdued">
              {summary(sw)}
            </Text>
          </BlockStack>
          {sw.enabled ? (
            <Button onClick={turnOff} loading={busy} disabled={transitional} accessibilityLabel={`Turn off ${sw.title}`}>
              Turn off
            </Button>
          ) : (
            <Button
              variant="primary"
              onClick={turnOn}
              loading={busy}
              disabled={transitional}
              accessibilityLabel={`Turn on ${sw.title}`}
            >
              Turn on
            </Button>
          )}
        </InlineStack>

        {sw.status === "revoked" && <RevokedBanner title={sw.title} lastError={sw.lastError} />}
        {declined && <DeclinedBanner switchKey={sw.key} title={sw.title} scopes={declined} />}
        {problem ? (
          <ActionErrorBanner title={`${sw.title} could not be turned on`} message={problem} />
        ) : actionError ? (
          <ActionErrorBanner
            title={`${sw.title} could not be turned ${actionError.intent === "disable" ? "off" : "on"}`}
            message={actionError.error}
          />
        ) : null}

        <Divider />
        {/* Each banner above already says what lastError says. */}
        <SyncStatusBlock
          sw={sw}
          now={now}
          showLastError={sw.status !== "revoked" && !declined && !actionError && !problem}
        />
      </BlockStack>
    </Card>
  );
}

function summary(sw: SwitchStatus): string {
  switch (sw.status) {
    case "on":
      return "Shopify sends this sync's events to Syncline as they happen.";
    case "enabling":
      return "Subscribing to Shopify's events…";
    case "disabling":
      return "Removing the subscriptions from Shopify…";
    case "error":
      return sw.enabled
        ? "The sync is on but has a problem: see the last error below."
        : "The sync could not be turned on: see the last error below.";
    case "revoked":
      return "Off until the missing access is granted again.";
    default:
      return "Nothing is received or sent until you turn this sync on.";
  }
}

/**
 * A decline recorded before this page was loaded (recordScopeDeclined): the switch is off, not in error, with a
 * reason, and still lacks scopes. Every other way to "off" clears lastError, failures are "error" and
 * revocations "revoked", so this combination is the decline; the scopes still missing are what was declined.
 */
function declinedEarlier(sw: SwitchStatus): string[] | null {
  return sw.status === "off" && !sw.enabled && sw.lastError && sw.missingScopes.length > 0 ? sw.missingScopes : null;
}
