import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, ChoiceList, Divider, InlineStack, Tag, Text, TextField } from "@shopify/polaris";
import { SaveBar, useAppBridge } from "@shopify/app-bridge-react";

import type { PurchaseOptions } from "~/purchases/options";
import type { SaveOptionsResult } from "~/purchases/options.server";
import { cleanList, OPTION_FIELDS, OPTIONS_INTENT, type OptionErrors } from "~/purchases/options-form";
import { KNOWN_SOURCES } from "~/purchases/filters";

/** What the options action answers (routes/app.purchases.tsx → saveOptionsFromForm). */
type OptionsActionResult = SaveOptionsResult;

interface FormState {
  delayMode: "off" | "on";
  /** Kept while "off" is chosen, so switching back restores what was there. */
  delayMinutes: string;
  sources: string[];
  tags: string[];
  skipTestOrders: boolean;
  matchByOrderName: boolean;
  graceMinutes: string;
}

const DEFAULT_DELAY_MINUTES = "10";

function stateOf(options: PurchaseOptions): FormState {
  return {
    delayMode: options.upsellDelayMinutes === 0 ? "off" : "on",
    delayMinutes: options.upsellDelayMinutes === 0 ? DEFAULT_DELAY_MINUTES : String(options.upsellDelayMinutes),
    sources: options.excludedSources,
    tags: options.excludedTags,
    skipTestOrders: options.skipTestOrders,
    matchByOrderName: options.matchByOrderName,
    graceMinutes: String(options.mismatchGraceMinutes),
  };
}

/** The state as it would be saved: the minutes of an "off" delay do not count, lists compare as sets. */
function comparable(state: FormState, pendingSource = "", pendingTag = ""): string {
  const sorted = (values: string[]) => cleanList(values).map((v) => v.toLowerCase()).sort();
  return JSON.stringify({
    ...state,
    delayMinutes: state.delayMode === "off" ? "" : state.delayMinutes.trim(),
    sources: sorted([...state.sources, ...splitEntries(pendingSource)]),
    tags: sorted([...state.tags, ...splitEntries(pendingTag)]),
    graceMinutes: state.graceMinutes.trim(),
  });
}

function splitEntries(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function isKnownSource(source: string): boolean {
  return (KNOWN_SOURCES as readonly string[]).includes(source.toLowerCase());
}

const SOURCE_CHOICES = [
  { value: "web", label: "Online Store", helpText: "Orders placed on your online store (web)." },
  { value: "pos", label: "Point of Sale", helpText: "Orders rung up in your shop with Shopify POS (pos)." },
  {
    value: "shopify_draft_order",
    label: "Draft orders",
    helpText: "Orders you created in the Shopify admin from a draft order (shopify_draft_order).",
  },
  {
    value: "subscription_contract",
    label: "Subscription renewals",
    helpText: "Recurring orders created by a subscription (subscription_contract).",
  },
];

/**
 * The purchase sync's options (the Purchases page's Options section). The fields wait for Save (the App Bridge save bar, as on the
 * Settings page); the server validates them again and answers with field errors, or with the stored options when
 * they were changed elsewhere meanwhile (OptionsChangedError).
 */
export function PurchaseOptionsCard({ options, revision }: { options: PurchaseOptions; revision: string }) {
  const shopify = useAppBridge();
  const fetcher = useFetcher<OptionsActionResult>();
  const [state, setState] = useState<FormState>(() => stateOf(options));
  const [pendingSource, setPendingSource] = useState("");
  const [pendingTag, setPendingTag] = useState("");
  const [errors, setErrors] = useState<OptionErrors>({});
  const [conflict, setConflict] = useState(false);
  // The saved options the form is an edit of, and their revision: what Save sends, what Discard returns to.
  const [base, setBase] = useState({ options, revision });

  // New saved options from the loader (after a save, or a revalidation): adopt them unless the merchant is in the
  // middle of an edit, which a revalidation must not wipe out.
  const baseRef = useRef(base);
  baseRef.current = base;
  const stateRef = useRef({ state, pendingSource, pendingTag });
  stateRef.current = { state, pendingSource, pendingTag };
  useEffect(() => {
    const current = baseRef.current;
    if (revision === current.revision) return;
    const { state: now, pendingSource: ps, pendingTag: pt } = stateRef.current;
    const editing = comparable(now, ps, pt) !== comparable(stateOf(current.options));
    if (editing) return;
    setBase({ options, revision });
    setState(stateOf(options));
  }, [options, revision]);

  const dirty = comparable(state, pendingSource, pendingTag) !== comparable(stateOf(base.options));
  const busy = fetcher.state !== "idle";

  const handled = useRef<OptionsActionResult | undefined>(undefined);
  useEffect(() => {
    const data = fetcher.data;
    if (fetcher.state !== "idle" || !data || handled.current === data || data.intent !== "options") return;
    handled.current = data;
    if (data.ok) {
      setErrors({});
      setConflict(false);
      setPendingSource("");
      setPendingTag("");
      setBase({ options: data.options, revision: data.revision });
      setState(stateOf(data.options));
      shopify.toast.show("Purchase options saved");
    } else {
      setErrors(data.errors);
      if (data.conflict) {
        // Keep the merchant's edit; the next Save replaces what was saved elsewhere, Discard shows it.
        setConflict(true);
        setBase(data.conflict);
      }
      shopify.toast.show("Purchase options not saved", { isError: true });
    }
  }, [fetcher.state, fetcher.data, shopify]);

  const { submit } = fetcher;
  const save = useCallback(() => {
    if (busy) return;
    const form = new FormData();
    form.set(OPTION_FIELDS.intent, OPTIONS_INTENT);
    form.set(OPTION_FIELDS.revision, base.revision);
    form.set(OPTION_FIELDS.upsellDelay, state.delayMode);
    form.set(OPTION_FIELDS.upsellDelayMinutes, state.delayMode === "on" ? state.delayMinutes : "");
    // Text typed but not yet added is what the merchant means to save.
    for (const source of cleanList([...state.sources, ...splitEntries(pendingSource)])) form.append(OPTION_FIELDS.excludedSource, source);
    for (const tag of cleanList([...state.tags, ...splitEntries(pendingTag)])) form.append(OPTION_FIELDS.excludedTag, tag);
    form.set(OPTION_FIELDS.skipTestOrders, String(state.skipTestOrders));
    form.set(OPTION_FIELDS.matchByOrderName, String(state.matchByOrderName));
    form.set(OPTION_FIELDS.mismatchGraceMinutes, state.graceMinutes);
    submit(form, { method: "post" });
  }, [submit, busy, base.revision, state, pendingSource, pendingTag]);

  const discard = () => {
    if (busy) return;
    setBase({ options, revision });
    setState(stateOf(options));
    setPendingSource("");
    setPendingTag("");
    setErrors({});
    setConflict(false);
  };

  const change = <K extends keyof FormState>(key: K, value: FormState[K], field?: keyof OptionErrors) => {
    setState((s) => ({ ...s, [key]: value }));
    if (field) setErrors(({ [field]: _cleared, ...rest }) => rest);
  };

  const knownSelected = state.sources.filter(isKnownSource).map((s) => s.toLowerCase());
  const otherSources = state.sources.filter((s) => !isKnownSource(s));

  return (
    <Card>
      <BlockStack gap="500">
        {conflict && (
          <Banner tone="warning" title="These options were changed elsewhere" onDismiss={() => setConflict(false)}>
            <Text as="p">
              Someone saved different purchase options (in another tab or as another staff member) while you were
              editing, so your changes were not saved. Save again to replace them with yours, or Discard to see theirs.
            </Text>
          </Banner>
        )}
        {errors.form && (
          <Banner tone="critical" title="Options not saved">
            <Text as="p">{errors.form}</Text>
          </Banner>
        )}

        <ChoiceList
          title="Upsell delay"
          choices={[
            {
              value: "off",
              label: "Off: send each purchase to your platform as soon as Shopify reports it",
            },
            {
              value: "on",
              label: "Wait before sending",
              helpText: "Items a customer adds in a post-purchase upsell are then part of the purchase your platform receives.",
              renderChildren: (selected) =>
                selected && (
                  <Box maxWidth="20rem" paddingBlockStart="100">
                    <TextField
                      label="Minutes to wait"
                      type="number"
                      min={1}
                      max={60}
                      suffix="minutes"
                      autoComplete="off"
                      value={state.delayMinutes}
                      onChange={(value) => change("delayMinutes", value, "upsellDelayMinutes")}
                      error={errors.upsellDelayMinutes}
                      helpText="From 1 to 60 minutes"
                    />
                  </Box>
                ),
            },
          ]}
          selected={[state.delayMode]}
          onChange={([mode]) => change("delayMode", mode === "off" ? "off" : "on", "upsellDelayMinutes")}
          error={state.delayMode === "off" ? errors.upsellDelayMinutes : undefined}
        />

        <Divider />

        <BlockStack gap="300">
          <BlockStack gap="100">
            <Text as="h4" variant="headingSm">
              Don&apos;t send purchases from these sales channels
            </Text>
            <Text as="p" tone="subdued">
              Orders from a channel you tick are recorded as excluded and never sent to your platform.
            </Text>
          </BlockStack>
          <ChoiceList
            title="Excluded sales channels"
            titleHidden
            allowMultiple
            choices={SOURCE_CHOICES}
            selected={knownSelected}
            onChange={(selected) => change("sources", [...selected, ...otherSources], "excludedSources")}
          />
          <EntryList
            label="Other channels or apps"
            helpText="The channel's source name as Shopify records it, or an app's numeric id (for example 580111). Press Enter to add."
            placeholder="e.g. 580111"
            entries={otherSources}
            pending={pendingSource}
            onPending={setPendingSource}
            onChange={(next) => change("sources", [...knownSelected, ...next], "excludedSources")}
            error={errors.excludedSources}
          />
        </BlockStack>

        <EntryList
          label="Don't send orders with these tags"
          helpText="Orders that carry any of these tags when the upsell delay ends are excluded. Capitals don't matter. Press Enter to add."
          placeholder="e.g. wholesale"
          entries={state.tags}
          pending={pendingTag}
          onPending={setPendingTag}
          onChange={(next) => change("tags", next, "excludedTags")}
          error={errors.excludedTags}
        />

        <Checkbox
          label="Skip test orders"
          helpText="Orders paid with a test gateway or in test mode are recorded as excluded and never sent."
          checked={state.skipTestOrders}
          onChange={(checked) => change("skipTestOrders", checked, "skipTestOrders")}
          error={errors.skipTestOrders}
        />

        <Divider />

        <BlockStack gap="300">
          <Text as="h4" variant="headingSm">
            Storefront reports
          </Text>
          <Checkbox
            label="Also match storefront reports by order number"
            helpText="Turn this on if your storefront's older tracking code sends the order number (like #1001) instead of Shopify's order id."
            checked={state.matchByOrderName}
            onChange={(checked) => change("matchByOrderName", checked, "matchByOrderName")}
            error={errors.matchByOrderName}
          />
          <Box maxWidth="28rem">
            <TextField
              label="Flag a missing side after"
              type="number"
              min={5}
              max={1440}
              suffix="minutes"
              autoComplete="off"
              value={state.graceMinutes}
              onChange={(value) => change("graceMinutes", value, "mismatchGraceMinutes")}
              error={errors.mismatchGraceMinutes}
              helpText="How long to wait for the storefront's report of an order (or for Shopify's order of a report) before showing it as a mismatch. 5 to 1,440."
            />
          </Box>
        </BlockStack>

        <SaveBar id="purchase-options-save-bar" open={dirty || busy}>
          <button variant="primary" loading={busy ? "" : undefined} onClick={save}>
            Save
          </button>
          <button onClick={discard}>Discard</button>
        </SaveBar>
      </BlockStack>
    </Card>
  );
}

/** A list of free-text entries shown as removable tags, with a field to add more (Enter or Add). */
function EntryList({
  label,
  helpText,
  placeholder,
  entries,
  pending,
  onPending,
  onChange,
  error,
}: {
  label: string;
  helpText: string;
  placeholder: string;
  entries: string[];
  pending: string;
  onPending: (value: string) => void;
  onChange: (entries: string[]) => void;
  error?: string;
}) {
  const id = useId();
  const add = () => {
    const next = cleanList([...entries, ...splitEntries(pending)]);
    if (next.length !== entries.length) onChange(next);
    onPending("");
  };
  return (
    <BlockStack gap="200">
      <div
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.target as HTMLElement).id === id) {
            event.preventDefault();
            add();
          }
        }}
      >
        <TextField
          id={id}
          label={label}
          autoComplete="off"
          value={pending}
          placeholder={placeholder}
          onChange={onPending}
          helpText={helpText}
          error={error}
          connectedRight={
            <Button onClick={add} disabled={!pending.trim()}>
              Add
            </Button>
          }
        />
      </div>
      {entries.length > 0 && (
        <InlineStack gap="200" align="start">
          {entries.map((entry) => (
            <Tag key={entry.toLowerCase()} onRemove={() => onChange(entries.filter((e) => e !== entry))}>
              {entry}
            </Tag>
          ))}
        </InlineStack>
      )}
    </BlockStack>
  );
}
