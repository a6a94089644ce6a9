export * from "./service-monitor.js";
export * from "./prometheus-rule.js";
export * from "./grafana-dashboard-config-map.js";
