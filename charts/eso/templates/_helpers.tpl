{{/* Chart name, overridable. */}}
{{- define "eso.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name when it already contains the chart name (release "eso" → "eso"). */}}
{{- define "eso.fullname" -}}
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

{{- define "eso.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "eso.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eso.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "eso.labels" -}}
helm.sh/chart: {{ include "eso.chart" . }}
{{ include "eso.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "eso.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "eso.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* True (non-empty) when eso is confined to one namespace: RBAC is a Role there. */}}
{{- define "eso.scoped" -}}
{{- if or .Values.scopedNamespace .Values.scopedRBAC }}true{{ end }}
{{- end }}

{{/* The namespace eso watches when scoped. */}}
{{- define "eso.scopedNamespace" -}}
{{- .Values.scopedNamespace | default .Release.Namespace }}
{{- end }}

{{/* ClusterSecretStores are reconciled only when asked and when RBAC can reach them. */}}
{{- define "eso.processClusterStore" -}}
{{- if and .Values.processClusterStore (not (include "eso.scoped" .)) }}true{{ else }}false{{ end }}
{{- end }}

{{/* ClusterExternalSecrets likewise: cluster-scoped, they write into any namespace. */}}
{{- define "eso.processClusterExternalSecret" -}}
{{- if and .Values.processClusterExternalSecret (not (include "eso.scoped" .)) }}true{{ else }}false{{ end }}
{{- end }}

{{/* ClusterGenerators likewise (ESO's processClusterGenerator): a Role cannot grant them. */}}
{{- define "eso.processClusterGenerator" -}}
{{- if and .Values.processClusterGenerator (not (include "eso.scoped" .)) }}true{{ else }}false{{ end }}
{{- end }}

{{/* ClusterPushSecrets likewise, and only with PushSecrets on: they stamp PushSecrets. */}}
{{- define "eso.processClusterPushSecret" -}}
{{- if and .Values.processPushSecret .Values.processClusterPushSecret (not (include "eso.scoped" .)) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "eso.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Renders a boolean flag from a value. */}}
{{- define "eso.bool" -}}
{{- if . }}true{{ else }}false{{ end }}
{{- end }}

{{/* The `eso run` arguments; extraArgs come last so they override the chart's flags. */}}
{{- define "eso.args" -}}
- run
- --concurrent={{ int64 .Values.concurrent }}
- --concurrent-waiting={{ int64 .Values.concurrentWaiting }}
- --client-qps={{ include "eso.scalar" .Values.clientQPS }}
- --client-burst={{ int64 .Values.clientBurst }}
- --loglevel={{ .Values.log.level }}
- --log-format={{ .Values.log.format }}
- --metrics-addr=:{{ int64 .Values.metrics.listen.port }}
- --live-addr=:{{ int64 .Values.livenessProbe.spec.port }}
- --enable-leader-election={{ include "eso.bool" (and .Values.leaderElect (le (int .Values.sharding.shards) 1)) }}
{{- if or .Values.leaderElect (gt (int .Values.sharding.shards) 1) }}
- --leader-election-namespace={{ .Release.Namespace }}
{{- end }}
- --shards={{ int64 .Values.sharding.shards }}
{{- if include "eso.scoped" . }}
- --namespace={{ include "eso.scopedNamespace" . }}
{{- end }}
{{- with .Values.controllerClass }}
- --controller-class={{ . }}
{{- end }}
- --enable-cluster-store-reconciler={{ include "eso.processClusterStore" . }}
- --enable-cluster-external-secret-reconciler={{ include "eso.processClusterExternalSecret" . }}
- --enable-push-secret-reconciler={{ include "eso.bool" .Values.processPushSecret }}
- --enable-cluster-push-secret-reconciler={{ include "eso.processClusterPushSecret" . }}
- --store-requeue-interval={{ .Values.storeRequeueInterval }}
- --aws-batch={{ include "eso.bool" .Values.aws.batch.enabled }}
- --aws-batch-window={{ .Values.aws.batch.window }}
- --aws-batch-size={{ int64 .Values.aws.batch.size }}
- --aws-batch-max-inflight={{ int64 .Values.aws.batch.maxInflight }}
- --aws-batch-prefetch={{ include "eso.bool" .Values.aws.batch.prefetch }}
- --aws-cache={{ include "eso.bool" .Values.aws.cache.enabled }}
- --aws-cache-ttl={{ .Values.aws.cache.ttl }}
- --aws-cache-max-entries={{ int64 .Values.aws.cache.maxEntries }}
- --aws-throttle-decrease={{ include "eso.scalar" .Values.aws.throttle.decrease }}
- --aws-throttle-increase={{ include "eso.scalar" .Values.aws.throttle.increase }}
- --aws-throttle-recovery={{ include "eso.scalar" .Values.aws.throttle.recovery }}
- --aws-throttle-min-rate={{ include "eso.scalar" .Values.aws.throttle.minRate }}
- --aws-throttle-reset-after={{ .Values.aws.throttle.resetAfter }}
{{- if .Values.rolloutOnChange.enabled }}
- --enable-rollout-on-change=true
- --rollout-min-interval={{ .Values.rolloutOnChange.minInterval }}
{{- end }}
{{- range $key, $value := .Values.extraArgs }}
{{- if or (kindIs "invalid" $value) (eq (toString $value) "") }}
- --{{ $key }}
{{- else }}
- --{{ $key }}={{ include "eso.scalar" $value }}
{{- end }}
{{- end }}
{{- end }}

{{/* A probe spec without the chart-only keys. */}}
{{- define "eso.probe" -}}
{{- toYaml (omit . "port" "address") }}
{{- end }}

{{/* A value as a flag argument: whole floats (how YAML numbers arrive) print as integers. */}}
{{- define "eso.scalar" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}
