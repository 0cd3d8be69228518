variable "project_id" {
  description = "Project that hosts the functions, buckets, secrets and alert policy; its GKE clusters and Cloud Monitoring metrics are the ones watched."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 lowercase letters, digits or hyphens, starting with a letter), not a project name or number."
  }
}

variable "region" {
  description = "Region of the functions, the Scheduler jobs and the buckets, e.g. us-central1."
  type        = string
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Cloud region such as \"us-central1\" or \"europe-west1\" (not a zone like \"us-central1-a\")."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, jobs, service accounts, buckets, secrets), so two deployments can share a project."
  type        = string
  default     = "binderwatch"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,16}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-18 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen (service account IDs are limited to 30 characters)."
  }
}

variable "config_yaml" {
  description = "The binderwatch config file (YAML text, e.g. file(\"binderwatch.yaml\")). The module replaces alerting.state with the state bucket it creates; check schedules and enabled flags are read from it unless `checks` overrides them."
  type        = string
  default     = "{}"

  validation {
    condition     = can(keys(yamldecode(var.config_yaml)))
    error_message = "config_yaml must be a YAML mapping (the binderwatch config file), e.g. file(\"binderwatch.yaml\")."
  }
}

variable "checks" {
  description = "Per-check deployment overrides, keyed by entry point (launchProbe, binderHealth, trafficVsPods, nodeHeadroom, clusterHealth). Unset attributes fall back to the config file, then to the defaults in locals.tf."
  type = map(object({
    enabled         = optional(bool)
    schedule        = optional(string)
    memory          = optional(string)
    timeout_seconds = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.checks) : contains(["launchProbe", "binderHealth", "trafficVsPods", "nodeHeadroom", "clusterHealth"], name)])
    error_message = "checks keys must be check entry points: launchProbe, binderHealth, trafficVsPods, nodeHeadroom, clusterHealth."
  }
  validation {
    condition     = alltrue([for c in values(var.checks) : c.schedule == null || length(split(" ", trimspace(coalesce(c.schedule, "x")))) == 5])
    error_message = "checks[*].schedule must be a 5-field cron expression in UTC, e.g. \"*/5 * * * *\"."
  }
  validation {
    condition     = alltrue([for c in values(var.checks) : c.memory == null || can(regex("^[0-9]+(M|Mi|G|Gi)$", coalesce(c.memory, "x")))])
    error_message = "checks[*].memory must be a size such as \"256Mi\" or \"1Gi\"."
  }
  validation {
    condition     = alltrue([for c in values(var.checks) : c.timeout_seconds == null || (coalesce(c.timeout_seconds, 0) >= 15 && coalesce(c.timeout_seconds, 0) <= 1770)])
    error_message = "checks[*].timeout_seconds must be between 15 and 1770: Cloud Scheduler waits at most 30 minutes for an HTTP target, and the module gives it 30 s more than the function."
  }
}

variable "source_archive" {
  description = "Path of the function source archive built by `npm run package`. Default: dist/function-source.zip in the repository that holds this module."
  type        = string
  default     = null

  validation {
    condition     = var.source_archive == null || endswith(coalesce(var.source_archive, "x"), ".zip")
    error_message = "source_archive must be the path of a .zip file (run `npm run package` to build dist/function-source.zip)."
  }
}

variable "runtime" {
  description = "Cloud Run functions runtime of every function. The archive is built and tested for Node 22 (its package.json engines say 22.x)."
  type        = string
  default     = "nodejs22"

  validation {
    condition     = var.runtime == "nodejs22"
    error_message = "runtime must be nodejs22: nodejs20 and older were decommissioned by Cloud Run functions on 2026-10-30 (creating or updating such a function is refused), and nodejs24 is not supported yet (@google-cloud/storage streams hit googleapis/google-cloud-node#8670 on Node 24)."
  }
}

variable "secret_env" {
  description = "More environment variables read from Secret Manager, as variable name => secret short name (the secret is \"<name_prefix>-<short name>\"). Secrets the config names (launchProbe.targets[*].hubApiTokenEnv; sources.prometheus passwordEnv for auth basic, bearerTokenEnv for auth bearer) and the Slack / SMTP ones are added without listing them here; an entry here renames the secret of such a variable. Values are added outside Terraform (docs/deploy.md)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for env in keys(var.secret_env) : can(regex("^[A-Z_][A-Z0-9_]*$", env))])
    error_message = "secret_env keys must be environment variable names: upper-case letters, digits and _, not starting with a digit (e.g. HUB_API_TOKEN)."
  }
  validation {
    condition     = alltrue([for name in values(var.secret_env) : can(regex("^[a-z][a-z0-9-]{0,40}[a-z0-9]$", name))])
    error_message = "secret_env values must be secret short names: 2-42 lowercase letters, digits or hyphens, starting with a letter (e.g. \"hub-api-token\")."
  }
  validation {
    condition     = length(distinct(values(var.secret_env))) == length(var.secret_env)
    error_message = "secret_env values must be distinct: two variables cannot share one secret name."
  }
}

variable "ingress_settings" {
  description = "Network ingress of the functions. ALLOW_INTERNAL_ONLY admits Cloud Scheduler of the same project; every request also needs the invoker's IAM role."
  type        = string
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "slack" {
  description = "Slack delivery. `webhook` creates a secret for an incoming-webhook URL; `bot_token` creates one for a bot token (chat.postMessage to `channel`). Secret values are added outside Terraform (docs/deploy.md). Null: no Slack."
  type = object({
    webhook   = optional(bool, true)
    bot_token = optional(bool, false)
    channel   = optional(string)
  })
  default = {}

  validation {
    condition     = var.slack == null || !try(var.slack.bot_token, false) || can(regex("^[CGD][A-Z0-9]{8,}$", try(var.slack.channel, "")))
    error_message = "slack.channel is required when slack.bot_token is true: a channel ID like C0123456789, not a #name (chat.update takes IDs only)."
  }
}

variable "email" {
  description = "Email delivery over SMTP. Creates a secret for the SMTP URL (user and password included, e.g. an smtps URL to port 465); its value is added outside Terraform. Null: no email."
  type = object({
    from = string
    to   = list(string)
  })
  default = null

  validation {
    condition = var.email == null || alltrue([
      for address in concat([try(var.email.from, "")], try(var.email.to, [])) : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", address))
    ])
    error_message = "email.from and every email.to must be email addresses like \"ops@example.org\"."
  }
  validation {
    condition     = var.email == null || length(try(var.email.to, [])) > 0
    error_message = "email.to must list at least one recipient."
  }
}

variable "pagerduty" {
  description = "PagerDuty delivery through the Events API v2 (channel `pagerduty` in alerting.routes). Creates a secret for the integration's routing key; its value is added outside Terraform. `url` overrides the events endpoint (default https://events.pagerduty.com/v2/enqueue). Null: no PagerDuty."
  type = object({
    url = optional(string)
  })
  default = null

  validation {
    condition     = startswith(coalesce(try(var.pagerduty.url, null), "https://"), "https://")
    error_message = "pagerduty.url must be an https:// URL: the routing key travels in the request body."
  }
}

variable "webhook" {
  description = "A generic webhook receiving Alertmanager's webhook JSON (channel `webhook` in alerting.routes). True creates a secret for its URL (often carrying a token); its value is added outside Terraform."
  type        = bool
  default     = false
}

variable "watchdog_email" {
  description = "Address Cloud Monitoring emails when binderwatch itself stops reporting (the heartbeat absence alert). It does not go through binderwatch, so it works when binderwatch is down."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.watchdog_email))
    error_message = "watchdog_email must be an email address like \"oncall@example.org\"."
  }
}

variable "heartbeat_absence_seconds" {
  description = "How long a check may go without writing its heartbeat (custom.googleapis.com/binderwatch/check_runs) before the watchdog fires. Must exceed the longest schedule period."
  type        = number
  default     = 900

  validation {
    condition     = var.heartbeat_absence_seconds >= 300 && var.heartbeat_absence_seconds <= 86400 && var.heartbeat_absence_seconds % 60 == 0
    error_message = "heartbeat_absence_seconds must be a whole number of minutes between 300 (5 min) and 86400 (1 day)."
  }
}

variable "state_history_days" {
  description = "Days a replaced version of an alert-state object is kept in the versioned state bucket (for forensics), then deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.state_history_days >= 1 && floor(var.state_history_days) == var.state_history_days
    error_message = "state_history_days must be a whole number of days, at least 1."
  }
}

variable "source_retention_days" {
  description = "Days an old function source archive is kept in the source bucket after a newer one replaced it."
  type        = number
  default     = 30

  validation {
    condition     = var.source_retention_days >= 1 && floor(var.source_retention_days) == var.source_retention_days
    error_message = "source_retention_days must be a whole number of days, at least 1."
  }
}

variable "build_service_account" {
  description = "Service account Cloud Build uses to build the functions, as projects/PROJECT/serviceAccounts/EMAIL. Null: the project's default build account."
  type        = string
  default     = null

  validation {
    condition     = var.build_service_account == null || can(regex("^projects/[^/]+/serviceAccounts/[^/]+@[^/]+$", coalesce(var.build_service_account, "x")))
    error_message = "build_service_account must look like projects/PROJECT/serviceAccounts/NAME@PROJECT.iam.gserviceaccount.com."
  }
}

variable "enable_apis" {
  description = "Enable the Google APIs binderwatch needs (never disabled on destroy). Set false where APIs are managed elsewhere."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels added to every resource that takes labels."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, _ and - (at most 63 characters)."
  }
}

variable "status_page" {
  description = "Optional public status page: the scheduled statusPage function writes status.html and status.json to this bucket, its own, which anyone may read (the only public resource of the module). schedule is a UTC cron (default every 5 minutes); location defaults to var.region. Null: no status page, no public bucket."
  type = object({
    bucket   = string
    schedule = optional(string)
    location = optional(string)
  })
  default = null

  validation {
    condition     = var.status_page == null || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", try(var.status_page.bucket, "")))
    error_message = "status_page.bucket must be a Cloud Storage bucket name: 3-63 lowercase letters, digits, dots, _ and -, starting and ending with a letter or digit."
  }
}
