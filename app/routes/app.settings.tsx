import { useCallback, useEffect, useRef, useState } from "react";
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Divider,
  InlineStack,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { Modal, SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";

import { absoluteTime } from "~/components/sync/words";
import { prisma } from "~/db.server";
import { env } from "~/env.server";
import { issueApiKey } from "~/platform/api-key.server";
import {
  loadPlatformConnection,
  rotateSigningSecret,
  saveDestination,
  sendTestEvent,
  type PlatformConnectionView,
} from "~/platform/connection.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const view = await loadPlatformConnection(prisma, session.shop);
  return json({ ...view, apiBaseUrl: `${env().SHOPIFY_APP_URL.replace(/\/$/, "")}/api/v1` });
};

export type SettingsActionResult =
  | { intent: "saveDestination"; ok: true; destinationUrl: string | null; resumed: number }
  | { intent: "rotateSecret"; ok: true; secret: string; createdAt: string; replaced: boolean }
  | { intent: "rotateApiKey"; ok: true; apiKey: string; createdAt: string; replaced: boolean }
  | { intent: "sendTest"; ok: true; eventId: string }
  | { intent: "saveDestination" | "sendTest"; ok: false; error: string };

// A fresh secret or key is in this response: no cache may keep it.
const NO_STORE = { headers: { "Cache-Control": "no-store" } };

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = session.shop;
  const form = await request.formData();
  const intent = form.get("intent");
  let result: SettingsActionResult;
  switch (intent) {
    case "saveDestination": {
      const saved = await saveDestination(prisma, shop, String(form.get("destinationUrl") ?? ""));
      result = saved.ok ? { intent, ...saved } : { intent, ok: false, error: saved.error };
      break;
    }
    case "rotateSecret": {
      const { secret, createdAt, replaced } = await rotateSigningSecret(prisma, shop);
      result = { intent, ok: true, secret, createdAt: createdAt.toISOString(), replaced };
      break;
    }
    case "rotateApiKey": {
      const { apiKey, createdAt, replaced } = await issueApiKey(prisma, shop);
      result = { intent, ok: true, apiKey, createdAt: createdAt.toISOString(), replaced };
      break;
    }
    case "sendTest": {
      const sent = await sendTestEvent(prisma, shop);
      result = sent.ok ? { intent, ok: true, eventId: sent.eventId } : { intent, ok: false, error: sent.error };
      break;
    }
    default:
      return json({ error: `Unknown action ${String(intent)}` }, { status: 400 });
  }
  return json(result, NO_STORE);
};

type LoaderData = PlatformConnectionView & { apiBaseUrl: string };

export default function Settings() {
  const data = useLoaderData<typeof loader>();
  return (
    <Page>
      <TitleBar title="Settings" />
      <BlockStack gap="500">
        <BlockStack gap="100">
          <Text as="h2" variant="headingLg">
            Platform connection
          </Text>
          <Text as="p" tone="subdued">
            How Syncline and your marketing platform reach each other: the events Syncline sends, and the key your
            platform calls Syncline with.
          </Text>
        </BlockStack>
        <Layout>
          <Layout.AnnotatedSection
            id="destination"
            title="Event destination"
            description="Syncline sends each event (purchases, refunds, consent changes, catalog exports) as a signed JSON POST to this URL. Failed deliveries are retried with increasing delays for 24 hours."
          >
            <DestinationCard data={data} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            id="signing-secret"
            title="Signing secret"
            description="Your platform checks every event's webhook-signature header with this secret (the Standard Webhooks scheme), so it can trust that the event came from Syncline."
          >
            <SigningSecretCard data={data} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            id="api-key"
            title="API key"
            description="Your platform sends this key when it calls Syncline, for example to report consent changes. Syncline keeps only a hash of it."
          >
            <ApiKeyCard data={data} />
          </Layout.AnnotatedSection>
        </Layout>
      </BlockStack>
    </Page>
  );
}

/** A fetcher whose answer is handled once, when it arrives (a revalidation must not replay the toast). */
function useSettingsAction(onResult: (result: SettingsActionResult) => void) {
  const fetcher = useFetcher<SettingsActionResult>();
  const handled = useRef<SettingsActionResult | undefined>(undefined);
  const latest = useRef(onResult);
  latest.current = onResult;
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || handled.current === fetcher.data) return;
    handled.current = fetcher.data;
    latest.current(fetcher.data);
  }, [fetcher.state, fetcher.data]);
  const { submit } = fetcher;
  const post = useCallback(
    (intent: SettingsActionResult["intent"], fields: Record<string, string> = {}) =>
      submit({ intent, ...fields }, { method: "post" }),
    [submit],
  );
  return { fetcher, post, busy: fetcher.state !== "idle" };
}

// While the latest test event has not been tried yet, look again until it has an outcome.
const TEST_POLL_MS = 1_000;
const TEST_POLL_LIMIT = 20;

function DestinationCard({ data }: { data: LoaderData }) {
  const shopify = useAppBridge();
  const saved = data.destinationUrl ?? "";
  const [value, setValue] = useState(saved);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setValue(saved);
    setError(undefined);
  }, [saved]);
  const dirty = value.trim() !== saved;

  const save = useSettingsAction((result) => {
    if (result.intent !== "saveDestination") return;
    if (result.ok) {
      setError(undefined);
      shopify.toast.show(result.destinationUrl ? "Destination saved" : "Destination removed");
    } else {
      setError(result.error);
      shopify.toast.show("The destination was not saved", { isError: true });
    }
  });
  const test = useSettingsAction((result) => {
    if (result.intent !== "sendTest") return;
    if (result.ok) shopify.toast.show("Test event sent");
    else shopify.toast.show(result.error, { isError: true });
  });

  const revalidator = useRevalidator();
  const polls = useRef(0);
  const awaitingTest = data.latestTest?.status === "pending" && data.latestTest.attempts === 0 && data.latestTest.lastError === null;
  useEffect(() => {
    if (!awaitingTest) {
      polls.current = 0;
      return;
    }
    if (revalidator.state !== "idle" || polls.current >= TEST_POLL_LIMIT) return;
    const timer = setTimeout(() => {
      polls.current += 1;
      revalidator.revalidate();
    }, TEST_POLL_MS);
    return () => clearTimeout(timer);
  }, [awaitingTest, revalidator, data]);

  const connected = Boolean(data.destinationUrl && data.signingSecret?.readable);
  return (
    <Card>
      <BlockStack gap="400">
        <TextField
          label="Destination URL"
          type="url"
          value={value}
          onChange={(next) => {
            setValue(next);
            setError(undefined);
          }}
          error={error}
          placeholder="https://platform.example.com/webhooks/shopify"
          helpText={
            data.localHttpAllowed
              ? "An https:// URL. While developing, http://localhost and http://127.0.0.1 work too."
              : "An https:// URL on the public internet."
          }
          autoComplete="off"
        />
        <SaveBar id="destination-save-bar" open={dirty}>
          <button
            variant="primary"
            loading={save.busy ? "" : undefined}
            onClick={() => save.post("saveDestination", { destinationUrl: value.trim() })}
          >
            Save
          </button>
          <button
            onClick={() => {
              setValue(saved);
              setError(undefined);
            }}
          >
            Discard
          </button>
        </SaveBar>
        <EventCounts events={data.events} connected={connected} />
        <Divider />
        <InlineStack align="space-between" blockAlign="center" gap="400" wrap={false}>
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Test the connection
            </Text>
            <Text as="p" tone="subdued">
              {connected
                ? "Sends a connection.test event, signed like every other event."
                : "Save a destination URL and generate a signing secret first."}
            </Text>
            {data.latestTest && <TestOutcome test={data.latestTest} />}
          </BlockStack>
          <Button onClick={() => test.post("sendTest")} loading={test.busy} disabled={!connected || dirty}>
            Send test event
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function EventCounts({ events, connected }: { events: LoaderData["events"]; connected: boolean }) {
  if (events.waiting > 0) {
    return (
      <Banner tone={connected ? "info" : "warning"}>
        <Text as="p">
          {plural(events.waiting, "event is", "events are")} waiting for this connection.{" "}
          {connected ? "They are being sent now." : "They are sent as soon as the URL and a signing secret are saved."}
        </Text>
      </Banner>
    );
  }
  if (events.failed > 0 || events.retrying > 0) {
    return (
      <Banner tone={events.failed > 0 ? "critical" : "warning"}>
        <Text as="p">
          {events.retrying > 0 && `${plural(events.retrying, "event is", "events are")} being retried. `}
          {events.failed > 0 &&
            `${plural(events.failed, "event", "events")} could not be delivered within 24 hours. You can send them again from the Activity log.`}
        </Text>
      </Banner>
    );
  }
  return null;
}

function TestOutcome({ test }: { test: NonNullable<LoaderData["latestTest"]> }) {
  const http = test.lastStatus ? `HTTP ${test.lastStatus}` : null;
  if (test.status === "delivered") {
    return (
      <InlineStack gap="200" align="start" blockAlign="center">
        <Badge tone="success">Delivered</Badge>
        <Text as="span" tone="subdued">
          {[http, `sent ${absoluteTime(test.createdAt)}`].filter(Boolean).join(" · ")}
        </Text>
      </InlineStack>
    );
  }
  if (test.attempts === 0 && test.lastError === null) {
    return (
      <InlineStack gap="200" align="start" blockAlign="center">
        <Badge tone="info">Sending</Badge>
      </InlineStack>
    );
  }
  return (
    <BlockStack gap="100">
      <InlineStack gap="200" align="start" blockAlign="center">
        <Badge tone="critical">{test.status === "failed" ? "Failed" : "Not delivered yet"}</Badge>
        <Text as="span" tone="subdued">
          {http ?? ""}
        </Text>
      </InlineStack>
      {test.lastError && (
        <Text as="p" tone="critical">
          {test.lastError}
        </Text>
      )}
    </BlockStack>
  );
}

function SigningSecretCard({ data }: { data: LoaderData }) {
  const shopify = useAppBridge();
  const [shown, setShown] = useState<string | null>(null);
  const rotate = useSettingsAction((result) => {
    if (result.intent !== "rotateSecret" || !result.ok) return;
    setShown(result.secret);
    shopify.toast.show(result.replaced ? "Signing secret rotated" : "Signing secret generated");
  });
  const existing = data.signingSecret;
  return (
    <Card>
      <BlockStack gap="400">
        {shown ? (
          <RevealOnce
            label="Signing secret"
            title="Copy your signing secret now"
            value={shown}
            onDone={() => setShown(null)}
            note="Paste it into your platform's webhook settings now. For your security Syncline will not show it again; if you lose it, rotate it."
          />
        ) : existing ? (
          <BlockStack gap="200">
            <InlineStack gap="200" align="start" blockAlign="center">
              <Text as="p">Created {absoluteTime(existing.createdAt)}</Text>
              <Badge tone={existing.readable ? "success" : "critical"}>{existing.readable ? "Active" : "Unreadable"}</Badge>
            </InlineStack>
            {!existing.readable && (
              <Banner tone="critical" title="Events cannot be signed">
                <Text as="p">
                  The app&apos;s encryption key changed, so this secret can no longer be read. Rotate it and paste the
                  new secret into your platform; events wait until you do.
                </Text>
              </Banner>
            )}
          </BlockStack>
        ) : (
          <Text as="p" tone="subdued">
            No signing secret yet. Events wait until you generate one.
          </Text>
        )}
        <InlineStack align="end">
          {existing ? (
            <Button onClick={() => shopify.modal.show("rotate-secret-modal")} loading={rotate.busy}>
              Rotate secret
            </Button>
          ) : (
            <Button variant="primary" onClick={() => rotate.post("rotateSecret")} loading={rotate.busy}>
              Generate secret
            </Button>
          )}
        </InlineStack>
      </BlockStack>
      <ConfirmRotation
        id="rotate-secret-modal"
        title="Rotate the signing secret?"
        confirm="Rotate secret"
        onConfirm={() => rotate.post("rotateSecret")}
      >
        Events are signed with the new secret from the moment you rotate. Until you paste it into your platform, your
        platform will reject them; rejected events are retried for 24 hours.
      </ConfirmRotation>
    </Card>
  );
}

function ApiKeyCard({ data }: { data: LoaderData }) {
  const shopify = useAppBridge();
  const [shown, setShown] = useState<string | null>(null);
  const rotate = useSettingsAction((result) => {
    if (result.intent !== "rotateApiKey" || !result.ok) return;
    setShown(result.apiKey);
    shopify.toast.show(result.replaced ? "API key rotated" : "API key generated");
  });
  const existing = data.apiKey;
  return (
    <Card>
      <BlockStack gap="400">
        {shown ? (
          <RevealOnce
            label="API key"
            title="Copy your API key now"
            value={shown}
            onDone={() => setShown(null)}
            note="Paste it into your platform now. Syncline stores only a hash and cannot show it again; if you lose it, rotate it."
          />
        ) : existing ? (
          <Text as="p">
            Created {absoluteTime(existing.createdAt)} ·{" "}
            <Text as="span" tone="subdued">
              starts with syn_{existing.keyId}
            </Text>
          </Text>
        ) : (
          <Text as="p" tone="subdued">
            No API key yet. Your platform cannot call Syncline until you generate one.
          </Text>
        )}
        <BlockStack gap="100">
          <Text as="p" tone="subdued">
            Your platform sends it as <Code>Authorization: Bearer &lt;key&gt;</Code> to <Code>{data.apiBaseUrl}</Code>.
          </Text>
        </BlockStack>
        <InlineStack align="end">
          {existing ? (
            <Button onClick={() => shopify.modal.show("rotate-api-key-modal")} loading={rotate.busy}>
              Rotate key
            </Button>
          ) : (
            <Button variant="primary" onClick={() => rotate.post("rotateApiKey")} loading={rotate.busy}>
              Generate API key
            </Button>
          )}
        </InlineStack>
      </BlockStack>
      <ConfirmRotation
        id="rotate-api-key-modal"
        title="Rotate the API key?"
        confirm="Rotate key"
        onConfirm={() => rotate.post("rotateApiKey")}
      >
        The current key stops working at once: your platform&apos;s calls fail until you paste the new key into it.
      </ConfirmRotation>
    </Card>
  );
}

function ConfirmRotation({
  id,
  title,
  confirm,
  onConfirm,
  children,
}: {
  id: string;
  title: string;
  confirm: string;
  onConfirm: () => void;
  children: string;
}) {
  const shopify = useAppBridge();
  return (
    <Modal id={id}>
      <Box padding="400">
        <Text as="p">{children}</Text>
      </Box>
      <TitleBar title={title}>
        <button
          variant="primary"
          tone="critical"
          onClick={() => {
            void shopify.modal.hide(id);
            onConfirm();
          }}
        >
          {confirm}
        </button>
        <button onClick={() => void shopify.modal.hide(id)}>Cancel</button>
      </TitleBar>
    </Modal>
  );
}

/** A secret shown right after it was made, with a copy button; it is gone once dismissed or the page is left. */
function RevealOnce({
  label,
  title,
  value,
  note,
  onDone,
}: {
  label: string;
  title: string;
  value: string;
  note: string;
  onDone: () => void;
}) {
  const shopify = useAppBridge();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      shopify.toast.show(`${label} copied`);
    } catch {
      shopify.toast.show("Copying is blocked here: select the text and copy it", { isError: true });
    }
  };
  return (
    <Banner tone="warning" title={title} onDismiss={onDone}>
      <BlockStack gap="300">
        <Text as="p">{note}</Text>
        <TextField
          label={label}
          labelHidden
          value={value}
          readOnly
          monospaced
          selectTextOnFocus
          autoComplete="off"
          connectedRight={<Button onClick={() => void copy()}>Copy</Button>}
        />
      </BlockStack>
    </Banner>
  );
}

function Code({ children }: { children: React.ReactNode }) {
  return (
    <Text as="span" fontWeight="medium">
      <code>{children}</code>
    </Text>
  );
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
