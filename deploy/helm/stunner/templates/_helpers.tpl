{{/* Labels every object of the chart carries. */}}
{{- define "stunner.labels" -}}
app.kubernetes.io/part-of: stunner
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* <repository>:<tag> of images.<name>; an empty tag is the chart's appVersion. */}}
{{- define "stunner.image" -}}
{{- $img := index .root.Values.images .name -}}
{{- printf "%s:%s" $img.repository (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* Pod labels that select the operator (its Services and the PodMonitor-free ServiceMonitor). */}}
{{- define "stunner.operatorSelector" -}}
control-plane: stunner-gateway-operator-controller-manager
app.kubernetes.io/name: stunner-gateway-operator
{{- end -}}

{{- define "stunner.authSelector" -}}
app: stunner-auth
app.kubernetes.io/name: stunner-auth
{{- end -}}

{{- define "stunner.operatorServiceAccount" -}}
stunner-gateway-operator-controller-manager
{{- end -}}

{{/* --zap-encoder value for logging.operator.format. */}}
{{- define "stunner.zapEncoder" -}}
{{- if eq .Values.logging.operator.format "json" -}}json{{- else -}}console{{- end -}}
{{- end -}}
