"""Word lists and constants of the generated organisation."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

log = logging.getLogger(__name__)



log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# word lists (per-team components, topics, labels; cross-team topics)
# ---------------------------------------------------------------------------

#: name, project key, components, {component: topics}, labels
TEAMS = [
    ("Payments", "PAY", {
        "checkout": ["checkout page", "cart totals", "promo code validation", "guest checkout", "order confirmation email"],
        "billing": ["invoice PDF generation", "subscription renewals", "proration of plan changes", "tax calculation", "dunning emails"],
        "payouts": ["merchant payouts", "payout reconciliation", "bank transfer batching", "payout schedule settings"],
        "fraud": ["fraud scoring rules", "chargeback handling", "velocity checks", "3-D Secure challenge flow"],
    }, ["pci", "revenue", "checkout-v3", "finance-request", "tech-debt"]),
    ("Identity", "IDN", {
        "auth": ["password reset flow", "login rate limiting", "MFA enrolment", "session management"],
        "sso": ["SAML SSO for enterprise tenants", "OIDC provider configuration", "SCIM user provisioning"],
        "accounts": ["account deletion", "email verification", "profile settings page", "account merge"],
        "permissions": ["role-based access control", "API key scopes", "audit log of admin actions"],
    }, ["security", "gdpr", "enterprise", "tech-debt", "customer-request"]),
    ("Mobile", "MOB", {
        "ios-app": ["iOS onboarding screens", "iOS widget", "App Store release checklist", "SwiftUI migration"],
        "android-app": ["Android onboarding screens", "Play Store rollout", "Jetpack Compose migration", "Android deep links"],
        "push": ["push notification preferences", "silent push for sync", "notification grouping"],
        "offline-sync": ["offline mode", "background sync", "conflict resolution for offline edits"],
    }, ["ios", "android", "release-blocker", "ux", "crash"]),
    ("Data", "DAT", {
        "pipelines": ["nightly ETL jobs", "Airflow DAG retries", "CDC ingestion from Postgres", "late-arriving events"],
        "warehouse": ["warehouse schema", "dbt models", "partitioning of fact tables", "warehouse cost monitoring"],
        "reporting": ["revenue dashboard", "weekly KPI report", "self-serve reporting", "cohort analysis"],
        "ml-features": ["feature store", "churn model features", "training data snapshots"],
    }, ["analytics", "dbt", "data-quality", "tech-debt", "kpi"]),
    ("Platform", "PLT", {
        "api-gateway": ["API gateway routing", "request throttling", "gateway TLS termination", "API versioning policy"],
        "ci-cd": ["build pipeline", "deployment rollbacks", "flaky test quarantine", "release train automation"],
        "observability": ["distributed tracing", "alerting runbooks", "log retention", "SLO dashboards"],
        "k8s": ["cluster autoscaling", "Helm chart upgrades", "node pool migration", "secrets management"],
    }, ["infra", "reliability", "cost", "on-call", "tech-debt"]),
    ("Web", "WEB", {
        "storefront": ["product listing page", "product detail page", "wishlist", "store locator"],
        "design-system": ["button components", "form validation components", "dark mode theme", "icon set"],
        "seo": ["sitemap generation", "structured data markup", "canonical URLs"],
        "web-perf": ["Core Web Vitals", "image lazy loading", "bundle size budget", "server-side rendering"],
    }, ["frontend", "accessibility", "a11y", "seo", "tech-debt"]),
    ("Search", "SRC", {
        "indexing": ["product search index", "incremental reindexing", "index mapping changes"],
        "ranking": ["search ranking signals", "synonym dictionary", "typo tolerance"],
        "autocomplete": ["query autocomplete", "recent searches", "trending queries"],
    }, ["relevance", "search-quality", "tech-debt", "latency"]),
    ("Growth", "GRO", {
        "experiments": ["A/B test framework", "experiment assignment", "holdout groups"],
        "referrals": ["referral program", "invite links", "referral rewards"],
        "lifecycle": ["welcome email sequence", "win-back campaign", "in-app messages"],
    }, ["experiment", "marketing", "activation", "retention"]),
]

STORY_VERBS = ["Add", "Support", "Improve", "Redesign", "Introduce", "Extend", "Simplify", "Rework", "Enable", "Polish"]
STORY_SUFFIX = [
    "", "", "", " for returning customers", " behind a feature flag", " (phase 2)", " for EU tenants",
    " on small screens", " for admins", " in the new flow", " for enterprise accounts", " v2",
]
TASK_TEMPLATES = [
    "Refactor {t} module", "Add metrics for {t}", "Write runbook for {t}", "Upgrade dependencies used by {t}",
    "Clean up dead code in {t}", "Add integration tests for {t}", "Document {t} API", "Spike: options for {t}",
    "Remove legacy path in {t}", "Load test {t}",
]
BUG_TEMPLATES = [
    "{T} returns 500 for some users", "{T} fails intermittently", "{T} shows wrong totals", "Timeout in {t}",
    "{T} broken after last release", "{T} slow on first load", "Typo and layout glitch in {t}",
    "{T} ignores user locale", "Race condition in {t}", "{T} crashes on empty input",
]
EPIC_WORDS = ["revamp", "v2", "foundations", "hardening", "migration", "launch", "improvements"]
SUBTASK_TEMPLATES = [
    "Backend changes", "Frontend changes", "Unit tests", "QA verification", "Update documentation",
    "Code review follow-ups", "Database migration", "Analytics events",
]
CONTEXT_SENTENCES = [
    "Customers have asked about {t} several times this quarter.",
    "Today {t} is handled by an old code path in {c} that nobody likes touching.",
    "Support tickets mention {t} as a recurring pain point.",
    "This is part of the {c} roadmap for the next release.",
    "We agreed in refinement to keep the scope of {t} small.",
    "The current behaviour of {t} is inconsistent between environments.",
    "Product wants {t} measured before and after the change.",
]
CRITERIA = [
    "- works for existing and new accounts",
    "- covered by automated tests",
    "- metrics visible on the team dashboard",
    "- no change to the public contract",
    "- feature flag can switch it off",
    "- documented in the team wiki",
    "- reviewed by a second engineer",
]
BUG_SENTENCES = [
    "Steps to reproduce: open {t} and repeat the action twice.",
    "Seen in production since the last deploy; {n} reports so far.",
    "Expected the request to succeed, got an error instead.",
    "Only happens for a subset of tenants, logs attached in the comment.",
]
COMMENTS = [
    "Picked this up, will update by end of day.",
    "Blocked on review, can someone take a look?",
    "Moved to the next sprint, we ran out of time.",
    "Deployed to staging, please verify.",
    "Looks good to me.",
    "Added a note to the runbook.",
    "Do we still need this after the last change?",
    "Pairing on this tomorrow.",
]
PRIORITIES = [("Highest", 0.04), ("High", 0.18), ("Medium", 0.58), ("Low", 0.16), ("Lowest", 0.04)]
FIRST_NAMES = [
    "Amara", "Bruno", "Chen", "Dana", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya",
    "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
    "Aisha", "Ben", "Carla", "Dmitri", "Eva", "Felix", "Gabriel", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco",
    "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Theo", "Valentina", "Will", "Yara", "Arjun", "Beatriz",
]
LAST_NAMES = [
    "Okafor", "Silva", "Wang", "Levi", "Yilmaz", "Haddad", "Larsen", "Tanaka", "Moreau", "Weber", "Adeyemi", "Rossi",
    "Cohen", "Sharma", "Ivanova", "Gomez", "Murphy", "Diaz", "Nieminen", "Novak", "Patel", "Petrov", "Li", "Herrera",
    "Demir", "Fischer", "Khan", "Brooks", "Mendes", "Sokolov", "Berg", "Keller", "Costa", "Suzuki", "Horvat",
    "Jansen", "Mensah", "Vogel", "Bianchi", "Nowak", "Lindqvist", "Iyer", "Ortega", "Papadopoulos", "Dubois",
]

#: Cross-team technical topics: (provider wording, consumer wording, label).  Both
#: wordings share a specific phrase so the pair is findable by text, but the
#: sentences around it differ.
CROSS_TOPICS = [
    ("refresh token rotation", "rotating refresh tokens on every login", "token-rotation"),
    ("idempotency keys for webhook retries", "duplicate webhook deliveries without idempotency keys", "idempotency"),
    ("event schema versioning", "consumers breaking on a new event schema version", "event-schema"),
    ("PII masking in application logs", "personal data leaking into logs without PII masking", "pii"),
    ("rate limits on the public API", "clients hitting API rate limits (HTTP 429)", "rate-limit"),
    ("currency rounding for multi-currency totals", "totals off by one cent after currency rounding", "currency"),
    ("feature flag cleanup", "stale feature flags still evaluated at runtime", "feature-flags"),
    ("CDN cache invalidation", "stale content served until the CDN cache is purged", "cdn"),
    ("GDPR data export", "including our records in the GDPR data export archive", "gdpr-export"),
    ("timezone handling of timestamps", "timestamps shifted by the timezone offset", "timezone"),
    ("OAuth scopes for partner apps", "partner app requests that need new OAuth scopes", "oauth"),
    ("retry with exponential backoff", "thundering herd because retries have no exponential backoff", "retries"),
    ("TLS certificate rotation", "handshake failures after the TLS certificate rotation", "tls"),
    ("deep link routing", "deep links opening the wrong screen after routing changes", "deep-links"),
    ("audit trail events", "missing entries in the audit trail for these events", "audit"),
    ("session expiry on token revocation", "users kept logged in after token revocation", "sessions"),
    ("schema migration of the orders table", "queries failing during the orders table schema migration", "migration"),
    ("Kafka topic partitioning", "consumer lag after the Kafka topic partition change", "kafka"),
    ("locale-aware number formatting", "numbers formatted with the wrong locale separators", "i18n"),
    ("soft delete of customer records", "soft-deleted customer records still showing up", "soft-delete"),
    ("pagination cursor format", "pagination breaking after the cursor format change", "pagination"),
    ("consent banner choices", "tracking fired before the consent banner choice is stored", "consent"),
    ("image resizing service", "thumbnails missing from the image resizing service", "images"),
    ("email deliverability (SPF/DKIM)", "transactional emails landing in spam because of SPF/DKIM", "email"),
    ("search index freshness", "stale results until the search index is refreshed", "search-index"),
    ("mobile app version gating", "old app versions blocked by version gating", "app-version"),
    ("refund status webhooks", "refund status not updated because webhooks are dropped", "refunds"),
    ("user ID format change to UUIDs", "joins failing after user IDs became UUIDs", "user-id"),
]
CODENAMES = [
    "Atlas", "Borealis", "Cobalt", "Dynamo", "Ember", "Falcon", "Granite", "Helix", "Iris", "Juniper", "Kestrel",
    "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quasar", "Raven", "Sierra", "Tundra", "Umbra", "Vega",
    "Willow", "Xenon", "Yukon", "Zephyr", "Aurora", "Beacon", "Cedar", "Delta",
]
PROVIDER_SUMMARY = [
    "Implement {p} in {c}", "Ship {p} for {x}", "{P}: design and rollout", "Expose {p} to other teams for {x}",
    "Harden {p} before {x}",
]
CONSUMER_SUMMARY = [
    "Fix {q} in {x}", "Investigate {q}", "Handle {q} in {c}", "Prepare {x} for {q}", "{Q} - follow-up for {x}",
]
PROVIDER_DESC = [
    "We own {p} for {x}. The change lands in {c} and other teams will need to adapt.",
    "Needed for {x}: {p}. Plan: implement it in {c}, announce the date, keep the old behaviour for one release.",
]
CONSUMER_DESC = [
    "For {x} we see {q}. Our {c} code assumes the old behaviour.",
    "With {x} we expect {q}; {c} has to handle it before the release.",
]

# ---------------------------------------------------------------------------
# generator
# ---------------------------------------------------------------------------

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_DEFAULT_NOW = datetime(2025, 11, 5, 14, 0, tzinfo=_UTC)
_DAY = 24 * 60  # minutes
_SPRINT = 14 * _DAY
_STATUSES = ("To Do", "In Progress", "In Review", "Done")
_STATUS_IDS = ("10000", "3", "10001", "10002")
_JIRA_CATEGORY = ("To Do", "In Progress", "In Progress", "Done")
_POINT_LIST = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
_POINT_P_LIST = [0.12, 0.22, 0.26, 0.22, 0.13, 0.05]
#: link type -> (outward phrase, inward phrase), as Jira names them
LINK_TYPES = {
    "Blocks": ("blocks", "is blocked by"),
    "Depends": ("depends on", "is depended on by"),
    "Relates": ("relates to", "relates to"),
    "Duplicate": ("duplicates", "is duplicated by"),
    "Cloners": ("clones", "is cloned by"),
}
_STANDARD = ("Story", "Task", "Bug")
_PRIORITY_RANK = {"Highest": 0, "High": 1, "Medium": 2, "Low": 3, "Lowest": 4}


