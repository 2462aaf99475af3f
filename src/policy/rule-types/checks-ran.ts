// checks-ran: a change is verified only when enough of the policy's own checks ran.
import { wholeNumber } from "../fields.js";
import { ruleType } from "./entry.js";

export const checksRan = ruleType({
  fails: "fewer than `min` checks ran",
  verdict: "review",
  params: { min: wholeNumber(1, 100).optional() },
  defaults: { min: 1 },
  find(params, { checks, configuredChecks }) {
    const ran = checks.filter((check) => configuredChecks.includes(check.name) && check.outcome !== "skipped").length;
    if (ran >= params.min) return undefined;
    if (!configuredChecks.length) return { text: "no checks are configured, so nothing was verified", items: [], paths: [] };
    return { text: `${ran} of ${configuredChecks.length} checks ran, at least ${params.min} needed`, facts: true, items: [], paths: [] };
  },
});
