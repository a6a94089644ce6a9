export * from "./service-dashboard.js";
