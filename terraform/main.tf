locals {
  # The five checks, keyed by entry point (the name each functions/<slug>.ts
  # registers). Schedules are the config schema's defaults; timeouts leave room
  # for the launch probe's 10-minute launch deadline.
  check_defaults = {
    launchProbe   = { slug = "launch-probe", schedule = "*/10 * * * *", memory = "256Mi", timeout_seconds = 900 }
    binderHealth  = { slug = "binder-health", schedule = "*/2 * * * *", memory = "256Mi", timeout_seconds = 60 }
    trafficVsPods = { slug = "traffic-vs-pods", schedule = "*/2 * * * *", memory = "256Mi", timeout_seconds = 120 }
    nodeHeadroom  = { slug = "node-headroom", schedule = "*/5 * * * *", memory = "256Mi", timeout_seconds = 120 }
    clusterHealth = { slug = "cluster-health", schedule = "*/5 * * * *", memory = "512Mi", timeout_seconds = 120 }
  }

  config = yamldecode(var.config_yaml)

  # Precedence: var.checks, then the config file's checks.<name>, then the defaults.
  checks = {
    for name, d in local.check_defaults : name => {
      slug            = d.slug
      function_name   = "${var.name_prefix}-${d.slug}"
      enabled         = coalesce(try(var.checks[name].enabled, null), try(local.config.checks[name].enabled, null), true)
      schedule        = coalesce(try(var.checks[name].schedule, null), try(local.config.checks[name].schedule, null), d.schedule)
      memory          = coalesce(try(var.checks[name].memory, null), d.memory)
      timeout_seconds = coalesce(try(var.checks[name].timeout_seconds, null), d.timeout_seconds)
    }
  }
  enabled_checks = { for name, c in local.checks : name => c if c.enabled }

  # The state store is the bucket this module creates, whatever the file says.
  effective_config = merge(local.config, {
    alerting = merge(try(local.config.alerting, {}), {
      state = { type = "gcs", bucket = google_storage_bucket.state.name, prefix = "state/" }
    })
  })

  # Plain environment; JSON is YAML, so BINDERWATCH_CONFIG is read by the same loader.
  environment = {
    for k, v in {
      BINDERWATCH_CONFIG        = jsonencode(local.effective_config)
      GOOGLE_CLOUD_PROJECT      = var.project_id
      BINDERWATCH_SLACK_CHANNEL = try(var.slack.channel, null)
      BINDERWATCH_EMAIL_FROM    = try(var.email.from, null)
      BINDERWATCH_EMAIL_TO      = try(join(",", var.email.to), null)
    } : k => v if v != null
  }

  # Secret Manager secrets, by short name, with the environment variable each feeds.
  secrets = {
    for name, s in {
      slack-webhook-url = { env = "BINDERWATCH_SLACK_WEBHOOK_URL", wanted = try(var.slack.webhook, false) }
      slack-bot-token   = { env = "BINDERWATCH_SLACK_BOT_TOKEN", wanted = try(var.slack.bot_token, false) }
      smtp-url          = { env = "BINDERWATCH_SMTP_URL", wanted = var.email != null }
    } : name => { env = s.env, secret_id = "${var.name_prefix}-${name}" } if s.wanted
  }

  source_archive = coalesce(var.source_archive, "${path.module}/../dist/function-source.zip")

  labels = merge(var.labels, { app = "binderwatch" })

  apis = var.enable_apis ? toset([
    "analyticsdata.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]) : toset([])
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project = var.project_id
  service = each.key
  # Other workloads in the project may use the same APIs.
  disable_on_destroy = false
}
