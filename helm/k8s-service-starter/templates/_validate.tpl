{{/*
Checks the schema cannot express, made before anything renders: the service would refuse to start with
these values, so the chart refuses to render them, with the same arithmetic and wording.
@see src/config/shutdown-budget.ts
*/}}
{{- define "starter.validate" -}}
{{- $s := .Values.shutdown }}
{{- $db := .Values.database }}
{{- $parts := list (printf "DRAIN_DELAY_MS %d" (int $s.drainDelayMs)) }}
{{- $total := int $s.drainDelayMs }}
{{- if eq $s.preStop "sleep" }}
{{- $parts = append $parts (printf "DRAIN_SWEEP_MS %d" (int $s.drainSweepMs)) }}
{{- $total = add $total $s.drainSweepMs }}
{{- end }}
{{- $parts = append $parts (printf "SHUTDOWN_TIMEOUT_MS %d" (int $s.shutdownTimeoutMs)) }}
{{- $total = add $total $s.shutdownTimeoutMs }}
{{- if include "starter.databaseEnabled" . }}
{{- $parts = append $parts (printf "DB_DRAIN_TIMEOUT_MS %d" (int $db.drainTimeoutMs)) }}
{{- $parts = append $parts (printf "DB_CANCEL_TIMEOUT_MS %d" (int $db.cancelTimeoutMs)) }}
{{- $total = add $total $db.drainTimeoutMs $db.cancelTimeoutMs }}
{{- if ge (int (add $db.drainTimeoutMs $db.cancelTimeoutMs)) (int $s.shutdownTimeoutMs) }}
{{- fail (printf "database.drainTimeoutMs (%d) + database.cancelTimeoutMs (%d) must be below shutdown.shutdownTimeoutMs (%d): a cancelled query must still be answered before in-flight requests are cut" (int $db.drainTimeoutMs) (int $db.cancelTimeoutMs) (int $s.shutdownTimeoutMs)) }}
{{- end }}
{{- end }}
{{- $parts = append $parts (printf "TELEMETRY_FLUSH_TIMEOUT_MS %d" (int $s.telemetryFlushTimeoutMs)) }}
{{- $parts = append $parts (printf "SHUTDOWN_MARGIN_MS %d" (int $s.marginMs)) }}
{{- $total = add $total $s.telemetryFlushTimeoutMs $s.marginMs }}
{{- $graceMs := mul $s.terminationGracePeriodSeconds 1000 }}
{{- if gt (int $total) (int $graceMs) }}
{{- fail (printf "shutdown budget does not fit: %s = %d ms > terminationGracePeriodSeconds %d (%d ms); raise shutdown.terminationGracePeriodSeconds or lower a term" (join " + " $parts) (int $total) (int $s.terminationGracePeriodSeconds) (int $graceMs)) }}
{{- end }}
{{- if and (eq $s.preStop "sleep") (ne (int (mod $s.drainDelayMs 1000)) 0) }}
{{- fail (printf "shutdown.preStop=sleep sleeps whole seconds: shutdown.drainDelayMs (%d) must be a multiple of 1000" (int $s.drainDelayMs)) }}
{{- end }}
{{- if and (eq $s.preStop "sleep") (not (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version)) }}
{{- fail (printf "shutdown.preStop=sleep needs Kubernetes 1.30 or newer (this cluster: %s); use shutdown.preStop=http" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- if and .Values.mssql.enabled (not .Values.mssql.acceptEula) }}
{{- fail "mssql.enabled=true needs mssql.acceptEula=true: SQL Server's licence (https://go.microsoft.com/fwlink/?LinkId=746388) must be accepted explicitly" }}
{{- end }}
{{- if and .Values.mssql.enabled .Values.database.host }}
{{- fail "set either database.host (an external SQL Server) or mssql.enabled (the in-cluster one), not both" }}
{{- end }}
{{- if and .Values.database.host (not .Values.database.user) }}
{{- fail "database.host is set but database.user is empty: the service logs in with SQL authentication" }}
{{- end }}
{{- if and .Values.database.host (not (or .Values.database.password .Values.database.existingSecret)) }}
{{- fail "database.host is set: give database.existingSecret (preferred) or database.password" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (not .Values.autoscaling.enabled) .Values.podDisruptionBudget.minAvailable (not .Values.podDisruptionBudget.maxUnavailable) (ge (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) }}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below replicaCount (%d), or no node could ever be drained" (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) }}
{{- end }}
{{- end }}
