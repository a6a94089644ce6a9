import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { Document } from "yaml";
import type { Rule, RuleGroup } from "./rule-types.js";

/** A rule exactly as Prometheus' rule file format (and PrometheusRule's spec) spells it. */
export interface PlainRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PlainRuleGroup {
  name: string;
  interval?: string;
  rules: PlainRule[];
}

const sortedRecord = (record: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function plainRule(rule: Rule): PlainRule {
  if (rule.kind === "record") return { record: rule.record, expr: rule.expr };
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for === undefined ? {} : { for: rule.for }),
    labels: sortedRecord({ ...rule.extraLabels, severity: rule.severity, team: rule.team }),
    annotations: sortedRecord({ description: rule.description, runbook_url: rule.runbookUrl, summary: rule.summary }),
  };
}

/** Rule groups in the key order of Prometheus' documentation (name, interval, rules; alert/record, expr, for, labels, annotations). */
export function toPlainRuleGroups(groups: readonly RuleGroup[]): PlainRuleGroup[] {
  return groups.map((group) => ({
    name: group.name,
    ...(group.interval === undefined ? {} : { interval: group.interval }),
    rules: group.rules.map(plainRule),
  }));
}

/**
 * Prometheus rule file (`promtool check rules`, `rule_files:`) as YAML. Same groups, same bytes:
 * no timestamps, fixed key order, no line folding.
 */
export function renderRuleGroups(groups: readonly RuleGroup[]): string {
  const doc = new Document({ groups: toPlainRuleGroups(groups) });
  doc.commentBefore = " Generated from alerts/ (observability bundle). Do not edit: change the stack's monitoring config instead.";
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

export interface PrometheusRuleMetadata {
  readonly name: string;
  readonly namespace: string;
  /** Labels on the object; must include what the Prometheus' ruleSelector matches (e.g. release). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The same groups as a prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1), validated
 * against the CRD schema; throws with the schema's message when invalid.
 */
export function buildPrometheusRule(groups: readonly RuleGroup[], metadata: PrometheusRuleMetadata): PrometheusRule {
  const rule = new PrometheusRule({
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: sortedRecord(metadata.labels) },
    spec: { groups: toPlainRuleGroups(groups) },
  });
  rule.validate();
  return rule;
}
