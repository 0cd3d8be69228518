# Locals that depend on the inputs only (no resources), so tests can evaluate
# them with `terraform console` without a provider.
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

  # The status page's function, only when var.status_page asks for one: it reads the
  # state store and writes to its own public bucket (status.tf).
  status_defaults = {
    statusPage = { slug = "status-page", schedule = "*/5 * * * *", memory = "256Mi", timeout_seconds = 120 }
  }
  status_functions = {
    for name, d in local.status_defaults : name => merge(d, {
      function_name = "${var.name_prefix}-${d.slug}"
      enabled       = true
      schedule      = coalesce(try(var.status_page.schedule, null), d.schedule)
    }) if var.status_page != null
  }

  # Every function deployed, by entry point: one function, Scheduler job and invoker grant each.
  functions = merge(local.enabled_checks, local.status_functions)

  # Every environment variable that holds a secret, with the secret's short name:
  # the channels', those the config file names, then var.secret_env (which wins).
  prometheus_auth = try(local.config.sources.prometheus.auth, "none")
  config_secret_env = compact(concat(
    [for t in try(local.config.checks.launchProbe.targets, []) : try(t.hubApiTokenEnv, "")],
    local.prometheus_auth == "basic" ? [try(local.config.sources.prometheus.passwordEnv, "PROMETHEUS_PASSWORD")] : [],
    local.prometheus_auth == "bearer" ? [try(local.config.sources.prometheus.bearerTokenEnv, "PROMETHEUS_TOKEN")] : [],
  ))
  secret_env = merge(
    { for env, wanted in {
      BINDERWATCH_SLACK_WEBHOOK_URL     = try(var.slack.webhook, false)
      BINDERWATCH_SLACK_BOT_TOKEN       = try(var.slack.bot_token, false)
      BINDERWATCH_SMTP_URL              = var.email != null
      BINDERWATCH_PAGERDUTY_ROUTING_KEY = var.pagerduty != null
      BINDERWATCH_WEBHOOK_URL           = var.webhook
    } : env => replace(lower(trimprefix(env, "BINDERWATCH_")), "_", "-") if wanted },
    { for env in local.config_secret_env : env => replace(lower(env), "_", "-") },
    var.secret_env,
  )

  # Secret Manager secrets, by short name, with the environment variable each feeds.
  secrets = { for env, name in local.secret_env : name => { env = env, secret_id = "${var.name_prefix}-${name}" } }

  # The config file's checks with each one's deployed schedule and enabled flag
  # (var.checks wins), so the function's own view (cron-aware lookbacks, alert
  # timing) matches what Scheduler runs.
  config_checks = merge(try(local.config.checks, {}), {
    for name, c in local.checks : name => merge(try(local.config.checks[name], {}), { schedule = c.schedule, enabled = c.enabled })
  })
}
