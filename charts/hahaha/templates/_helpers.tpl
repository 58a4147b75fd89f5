{{/* Names, labels, the image, and the managed-pod selector as a LabelSelector. */}}

{{- define "hahaha.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hahaha.fullname" -}}
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

{{- define "hahaha.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hahaha.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hahaha.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hahaha.labels" -}}
helm.sh/chart: {{ include "hahaha.chart" . }}
{{ include "hahaha.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The webhook Service's name and the DNS names the serving certificate must hold. */}}
{{- define "hahaha.serviceHosts" -}}
{{- $svc := include "hahaha.fullname" . }}
- {{ printf "%s.%s.svc" $svc .Release.Namespace }}
- {{ printf "%s.%s.svc.%s" $svc .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{- define "hahaha.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "existingSecret" }}
{{- .Values.certificates.existingSecret.name }}
{{- else }}
{{- printf "%s-tls" (include "hahaha.fullname" .) }}
{{- end }}
{{- end }}

{{- define "hahaha.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Fails with a clear message when the certificate values do not fit the mode. */}}
{{- define "hahaha.checkCertificates" -}}
{{- $c := .Values.certificates }}
{{- if eq $c.mode "existingSecret" }}
{{- if not $c.existingSecret.name }}
{{- fail "certificates.mode existingSecret needs certificates.existingSecret.name: the name of a kubernetes.io/tls Secret in the release namespace" }}
{{- end }}
{{- if not $c.existingSecret.caBundle }}
{{- fail "certificates.mode existingSecret needs certificates.existingSecret.caBundle: base64 of the PEM CA certificate that signed the Secret's tls.crt" }}
{{- end }}
{{- if not (contains "-----BEGIN CERTIFICATE-----" (b64dec $c.existingSecret.caBundle)) }}
{{- fail "certificates.existingSecret.caBundle must be base64 of a PEM CA certificate (-----BEGIN CERTIFICATE-----...); encode it with base64 -w0 ca.crt" }}
{{- end }}
{{- else if $c.existingSecret.caBundle }}
{{- fail (printf "certificates.existingSecret.caBundle is set but certificates.mode is %s: set certificates.mode to existingSecret, or leave caBundle empty" $c.mode) }}
{{- end }}
{{- if and (ne $c.mode "certManager") $c.certManager.issuerRef }}
{{- fail (printf "certificates.certManager.issuerRef is set but certificates.mode is %s: set certificates.mode to certManager, or leave issuerRef empty" $c.mode) }}
{{- end }}
{{- end }}

{{/*
The managed-pod selector (text, as `hahaha serve --selector` reads it) as a LabelSelector's
matchExpressions, requirement by requirement as hahaha's parser (src/core/selector.ts) reads it:
  k=v, k==v   -> In [v]          k!=v -> NotIn [v]
  k in (a,b)  -> In [a, b]       k notin (a,b) -> NotIn [a, b]
  k           -> Exists          !k   -> DoesNotExist
Anything else fails the render with the requirement at fault.
*/}}
{{- define "hahaha.objectSelector" -}}
{{- $text := .Values.selector }}
{{- if eq (trim $text) "" }}
{{- fail "selector is empty: it would make every pod managed; set selector, e.g. nais.io/naisjob=true" }}
{{- end }}
{{- $key := `^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$` }}
{{- $value := `^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$` }}
{{- /* Requirements are separated by commas outside parentheses. */}}
{{- $parts := regexFindAll `[^,(]*(\([^)]*\))?[^,(]*` $text -1 }}
{{- if ne (join "," $parts) $text }}
{{- fail (printf "selector %q: unbalanced parentheses" $text) }}
{{- end }}
{{- $exprs := list }}
{{- range $raw := $parts }}
{{- $p := trim $raw }}
{{- if eq $p "" }}
{{- fail (printf "selector %q: expected a requirement, got nothing (a comma too many?)" $text) }}
{{- end }}
{{- $set := `^(\S+)\s+(in|notin)\s*\((.*)\)$` }}
{{- $eq := `^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$` }}
{{- if regexMatch $set $p }}
{{- $k := regexReplaceAll $set $p "${1}" }}
{{- $op := regexReplaceAll $set $p "${2}" }}
{{- $vals := list }}
{{- range $v := splitList "," (regexReplaceAll $set $p "${3}") }}
{{- $v = trim $v }}
{{- if not (regexMatch $value $v) }}
{{- fail (printf "selector %q: %q is not a valid label value" $text $v) }}
{{- end }}
{{- $vals = append $vals $v }}
{{- end }}
{{- if not (regexMatch $key $k) }}
{{- fail (printf "selector %q: %q is not a valid label key" $text $k) }}
{{- end }}
{{- $exprs = append $exprs (dict "key" $k "operator" (ternary "In" "NotIn" (eq $op "in")) "values" $vals) }}
{{- else if regexMatch $eq $p }}
{{- $k := regexReplaceAll $eq $p "${1}" }}
{{- $op := regexReplaceAll $eq $p "${2}" }}
{{- $v := regexReplaceAll $eq $p "${3}" }}
{{- if not (regexMatch $key $k) }}
{{- fail (printf "selector %q: %q is not a valid label key" $text $k) }}
{{- end }}
{{- if not (regexMatch $value $v) }}
{{- fail (printf "selector %q: %q is not a valid label value" $text $v) }}
{{- end }}
{{- $exprs = append $exprs (dict "key" $k "operator" (ternary "NotIn" "In" (eq $op "!=")) "values" (list $v)) }}
{{- else if hasPrefix "!" $p }}
{{- $k := trim (trimPrefix "!" $p) }}
{{- if not (regexMatch $key $k) }}
{{- fail (printf "selector %q: %q is not a valid label key" $text $k) }}
{{- end }}
{{- $exprs = append $exprs (dict "key" $k "operator" "DoesNotExist") }}
{{- else if regexMatch $key $p }}
{{- $exprs = append $exprs (dict "key" $p "operator" "Exists") }}
{{- else }}
{{- fail (printf "selector %q: expected \"key\", \"!key\", \"key=value\", \"key!=value\" or \"key in (a,b)\", got %q" $text $p) }}
{{- end }}
{{- end }}
{{- toYaml (dict "matchExpressions" $exprs) }}
{{- end }}

{{/*
The namespaces hahaha never manages, as a JSON list: kube-system, kube-public, kube-node-lease, the
release namespace and webhook.excludeNamespaces. One list for everything that keeps hahaha out: the
webhooks' namespaceSelector, the refusal of such a namespace in `namespaces`, NOTES.txt, and the
admission policy that refuses hahaha's ServiceAccount exec, port-forward and pod updates there
(templates/admission-policies.yaml).
*/}}
{{- define "hahaha.excludedNamespaces" -}}
{{- concat (list "kube-system" "kube-public" "kube-node-lease" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq | toJson }}
{{- end }}

{{/* Namespaces the webhooks skip (hahaha.excludedNamespaces), and with `namespaces`, all others. */}}
{{- define "hahaha.namespaceSelector" -}}
{{- $excluded := include "hahaha.excludedNamespaces" . | fromJsonArray }}
{{- $exprs := list (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" $excluded) }}
{{- if .Values.namespaces }}
{{- $exprs = append $exprs (dict "key" "kubernetes.io/metadata.name" "operator" "In" "values" .Values.namespaces) }}
{{- end }}
{{- toYaml (dict "matchExpressions" $exprs) }}
{{- end }}

{{/* Fails when `namespaces` names a namespace hahaha never manages (hahaha.excludedNamespaces). */}}
{{- define "hahaha.checkNamespaces" -}}
{{- $excluded := include "hahaha.excludedNamespaces" . | fromJsonArray }}
{{- range .Values.namespaces }}
{{- if has . $excluded }}
{{- fail (printf "namespaces: %q is never managed: hahaha gets no exec, port-forward or pod updates in %s (kube-system, kube-public, kube-node-lease, its own namespace and webhook.excludeNamespaces)" . (join ", " $excluded)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The username of the workload ServiceAccount (the one with exec, port-forward and pod patch), as admission sees it. */}}
{{- define "hahaha.serviceAccountUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "hahaha.fullname" .) }}
{{- end }}

{{/*
The annotation domain of hahaha's record of a pod (STATE_DOMAIN in src/core/annotations.ts; the
chart test holds the two equal): the keys `state.hahaha.nais.io/...`, which only hahaha's
ServiceAccount may write.
*/}}
{{- define "hahaha.stateDomain" -}}
state.hahaha.nais.io
{{- end }}

{{/*
"true" when the ValidatingAdmissionPolicies are rendered (rbac.admissionPolicy.enabled), else "".
They need admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (Kubernetes 1.30+): a cluster
that does not serve it fails the install with a message that says what turning them off costs.
Helm knows the served kinds only from a cluster's discovery (v1/Pod is then among them); an offline
`helm template` knows group versions only, and renders the policies.
*/}}
{{- define "hahaha.admissionPolicies" -}}
{{- if .Values.rbac.admissionPolicy.enabled }}
{{- if and (.Capabilities.APIVersions.Has "v1/Pod") (not (.Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy")) }}
{{- fail "rbac.admissionPolicy.enabled: this cluster serves no admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (Kubernetes 1.30+). Without the policies nothing but hahaha's own code keeps its ServiceAccount out of kube-system and its own namespace, limits its exec commands and its pod patches to the state annotations, or keeps others from forging that state; set rbac.admissionPolicy.enabled=false only if you accept that" }}
{{- end }}
{{- "true" }}
{{- end }}
{{- end }}

{{/*
"true" when the exec command policy is rendered: with shutdown actions, the admission policies,
and rbac.admissionPolicy.execCommands. The deprecated rbac.execAdmissionPolicy (the switch of the
exec policy when it was the only one) still turns it off when set to false.
*/}}
{{- define "hahaha.execCommandPolicy" -}}
{{- $r := .Values.rbac }}
{{- $legacy := ternary $r.execAdmissionPolicy true (hasKey $r "execAdmissionPolicy") }}
{{- if and $r.shutdownActions (include "hahaha.admissionPolicies" .) $r.admissionPolicy.execCommands $legacy }}
{{- "true" }}
{{- end }}
{{- end }}

{{/* A webhook's clientConfig: the Service (or webhook.url), and the caBundle in existingSecret mode
(selfManaged: hahaha writes it; certManager: cainjector writes it). Arguments: (list $ path). */}}
{{- define "hahaha.clientConfig" -}}
{{- $root := index . 0 }}
{{- $path := index . 1 }}
{{- if $root.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) $path | quote }}
{{- else }}
service:
  name: {{ include "hahaha.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  path: {{ $path }}
  port: 443
{{- end }}
{{- if eq $root.Values.certificates.mode "existingSecret" }}
caBundle: {{ $root.Values.certificates.existingSecret.caBundle }}
{{- end }}
{{- end }}

{{/* The cainjector annotation in certManager mode. */}}
{{- define "hahaha.webhookAnnotations" -}}
{{- if eq .Values.certificates.mode "certManager" }}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s-tls" .Release.Namespace (include "hahaha.fullname" .) }}
{{- end }}
{{- end }}

{{/* nativeSidecars.mode as `hahaha serve --native-sidecars` reads it: auto, on or off. An unquoted
on or off in a values file is a YAML 1.1 boolean to Helm, so true and false mean on and off. */}}
{{- define "hahaha.nativeSidecarsMode" -}}
{{- $m := .Values.nativeSidecars.mode }}
{{- if kindIs "bool" $m }}{{ ternary "on" "off" $m }}{{ else }}{{ $m }}{{ end }}
{{- end }}

{{/*
An exec command as an argv (JSON), split on whitespace. Quoting is hahaha's, not Helm's: a command
with quotes or backslashes cannot be rendered into the exec admission policy faithfully, so it is
refused here rather than allowed or denied by accident.
*/}}
{{- define "hahaha.argv" -}}
{{- if regexMatch "[\"'\\\\]" .text }}
{{- fail (printf "%s: %q has quotes or backslashes, which the exec command policy cannot render; write it without them, or set rbac.admissionPolicy.execCommands=false" .where .text) }}
{{- end }}
{{- regexSplit "\\s+" (trim .text) -1 | toJson }}
{{- end }}

{{/*
The name of both webhook configurations. The apiserver calls mutating webhooks in the order of
their configurations' names, and hahaha's must run before the injectors it writes annotations for
(linkerd's proxy-admin-shutdown, the native switches of linkerd, istio and dapr): "00-" sorts
before any name that starts with a letter, whatever fullnameOverride says.
*/}}
{{- define "hahaha.webhookConfigName" -}}
{{- printf "00-%s" (include "hahaha.fullname" .) }}
{{- end }}

{{/*
The ServiceAccount of the webhook pods: the release's own, or in split mode one of their own that
can neither exec, port-forward, nor read pods or events.
*/}}
{{- define "hahaha.webhookServiceAccount" -}}
{{- if .Values.split.enabled }}{{ include "hahaha.fullname" . }}-webhook{{ else }}{{ include "hahaha.fullname" . }}{{ end }}
{{- end }}
