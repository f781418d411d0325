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

{{/* The Secret holding the CDS bearer token (key `token`): cdsAuth.existingSecret, else the chart's. */}}
{{- define "stunner.cdsTokenSecret" -}}
{{- default "stunner-config-discovery-token" .Values.cdsAuth.existingSecret -}}
{{- end -}}

{{/* Where the operator and authd containers find the token; STUNNER_CDS_TOKEN_FILE names the file. */}}
{{- define "stunner.cdsTokenDir" -}}
/var/run/secrets/stunner.l7mp.io/cds
{{- end -}}

{{/* The env entry, volume mount and volume of a pod that reads the CDS token (cdsAuth.enabled). */}}
{{- define "stunner.cdsTokenEnv" -}}
- name: STUNNER_CDS_TOKEN_FILE
  value: {{ include "stunner.cdsTokenDir" . }}/token
{{- end -}}
{{- define "stunner.cdsTokenMount" -}}
- name: cds-token
  mountPath: {{ include "stunner.cdsTokenDir" . }}
  readOnly: true
{{- end -}}
{{- define "stunner.cdsTokenVolume" -}}
- name: cds-token
  secret:
    secretName: {{ include "stunner.cdsTokenSecret" . }}
{{- end -}}
