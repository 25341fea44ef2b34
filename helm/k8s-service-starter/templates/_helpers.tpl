{{/* Names and labels, as `helm create` lays them out. */}}
{{- define "starter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "starter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "starter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "starter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "starter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: app
{{- end }}

{{- define "starter.labels" -}}
helm.sh/chart: {{ include "starter.chart" . }}
{{ include "starter.selectorLabels" . }}
app.kubernetes.io/version: {{ include "starter.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "starter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "starter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "starter.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "starter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "starter.imageTag" .) }}
{{- end }}
{{- end }}

{{/* The in-cluster SQL Server: names, labels, and the Secret that holds the sa password. */}}
{{- define "starter.mssql.fullname" -}}
{{- printf "%s-mssql" (include "starter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "starter.mssql.selectorLabels" -}}
app.kubernetes.io/name: {{ include "starter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: mssql
{{- end }}

{{- define "starter.mssql.secretName" -}}
{{- default (include "starter.mssql.fullname" .) .Values.mssql.existingSecret }}
{{- end }}

{{/* Whether the service gets a database: an external host, or the in-cluster SQL Server. */}}
{{- define "starter.databaseEnabled" -}}
{{- if or .Values.database.host .Values.mssql.enabled }}true{{ end }}
{{- end }}

{{- define "starter.database.secretName" -}}
{{- default (printf "%s-db" (include "starter.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{/*
The token /prestop requires. The kubelet sends it as a header written in the pod spec, so it is not a
secret from anyone who can read pods; it keeps other in-cluster clients from draining a pod. Kept from
the running Deployment on upgrade (no needless rollout), generated on install, or set in values.
*/}}
{{- define "starter.prestopToken" -}}
{{- if .Values.shutdown.prestopToken }}
{{- .Values.shutdown.prestopToken }}
{{- else }}
{{- $current := "" }}
{{- $deployment := lookup "apps/v1" "Deployment" .Release.Namespace (include "starter.fullname" .) }}
{{- range ($deployment | dig "spec" "template" "spec" "containers" list) }}
{{- range (. | dig "env" list) }}
{{- if eq .name "PRESTOP_TOKEN" }}{{ $current = .value }}{{ end }}
{{- end }}
{{- end }}
{{- default (randAlphaNum 40) $current }}
{{- end }}
{{- end }}

{{/*
A strong sa password for the in-cluster SQL Server (its policy wants three of upper, lower, digit and
symbol): kept from the existing Secret, generated on install, or set in values.
*/}}
{{- define "starter.mssql.saPassword" -}}
{{- if .Values.mssql.saPassword }}
{{- .Values.mssql.saPassword }}
{{- else }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "starter.mssql.fullname" .) }}
{{- $current := $secret | dig "data" .Values.mssql.existingSecretPasswordKey "" }}
{{- if $current }}
{{- $current | b64dec }}
{{- else }}
{{- printf "Aa1-%s" (randAlphaNum 28) }}
{{- end }}
{{- end }}
{{- end }}

{{- define "starter.mssql.labels" -}}
helm.sh/chart: {{ include "starter.chart" . }}
{{ include "starter.mssql.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.mssql.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
