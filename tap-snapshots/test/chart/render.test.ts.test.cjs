/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > catalog and exec allowlist 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/catalog.yaml
# The catalog that extends (or replaces) hahaha's built-in one: hahaha serve --catalog /config/catalog.yaml.
apiVersion: v1
kind: ConfigMap
metadata:
  name: hahaha-catalog
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
data:
  catalog.yaml: |
    replace: false
    sidecars:
    - action: POST :9102/quitquitquit
      image: '*/team/exporter'
      name: metrics-exporter
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
      annotations:
        checksum/catalog: 56bdf37554fafb00bf7216150fbf74b9007a98e546bc389448faf06685a01b10
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --catalog
            - /config/catalog.yaml
            - --allow-exec
            - "/bin/kill -s * 1"
            - --allow-exec
            - "/usr/bin/pkill envoy"
            - --shutdown-grace
            - "45s"
            - --max-attempts
            - "3"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: catalog
              mountPath: /config
              readOnly: true
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        - name: catalog
          configMap:
            name: hahaha-catalog
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[3] == \\"1\\") || (size(object.command) == 2 && object.command[0] == \\"/usr/bin/pkill\\" && object.command[1] == \\"envoy\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > certManager 1`] = `
---
# Source: hahaha/templates/certificates.yaml
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: hahaha-ca
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  isCA: true
  commonName: hahaha-ca
  secretName: hahaha-ca
  duration: 87600h
  privateKey:
    algorithm: ECDSA
    size: 256
  issuerRef:
    name: hahaha-selfsigned
    kind: Issuer
    group: cert-manager.io
---
# Source: hahaha/templates/certificates.yaml
# The webhook's serving certificate; cert-manager renews it and hahaha reloads it from the mounted
# Secret. cainjector copies its CA into both webhook configurations.
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  secretName: hahaha-tls
  duration: 2160h
  renewBefore: 720h
  dnsNames:
    
    - hahaha.hahaha-system.svc
    - hahaha.hahaha-system.svc.cluster.local
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  usages:
    - server auth
  issuerRef:
    name: hahaha-ca
    kind: Issuer
    group: cert-manager.io
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --cert-file
            - /tls/tls.crt
            - --key-file
            - /tls/tls.key
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: tls
              mountPath: /tls
              readOnly: true
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        - name: tls
          secret:
            secretName: hahaha-tls
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/certificates.yaml
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: hahaha-ca
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  ca:
    secretName: hahaha-ca
---
# Source: hahaha/templates/certificates.yaml
# A CA of the release's own: a self-signed Issuer signs the CA Certificate, whose Issuer signs the
# serving certificate.
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: hahaha-selfsigned
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  selfSigned: {}
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
  annotations:
    cert-manager.io/inject-ca-from: hahaha-system/hahaha-tls
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
  annotations:
    cert-manager.io/inject-ca-from: hahaha-system/hahaha-tls
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > certManager with a ClusterIssuer 1`] = `
---
# Source: hahaha/templates/certificates.yaml
# The webhook's serving certificate; cert-manager renews it and hahaha reloads it from the mounted
# Secret. cainjector copies its CA into both webhook configurations.
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  secretName: hahaha-tls
  duration: 2160h
  renewBefore: 720h
  dnsNames:
    
    - hahaha.hahaha-system.svc
    - hahaha.hahaha-system.svc.cluster.local
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  usages:
    - server auth
  issuerRef:
    name: letsencrypt
    kind: ClusterIssuer
    group: cert-manager.io
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --cert-file
            - /tls/tls.crt
            - --key-file
            - /tls/tls.key
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: tls
              mountPath: /tls
              readOnly: true
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        - name: tls
          secret:
            secretName: hahaha-tls
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
  annotations:
    cert-manager.io/inject-ca-from: hahaha-system/hahaha-tls
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
  annotations:
    cert-manager.io/inject-ca-from: hahaha-system/hahaha-tls
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > custom selector and namespaces 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "team in (a,b),!skip,app.kubernetes.io/part-of!=legacy"
            - --namespaces
            - "team-a,team-b"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system,monitoring"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 3
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: team
        operator: In
        values:
        - a
        - b
      - key: skip
        operator: DoesNotExist
      - key: app.kubernetes.io/part-of
        operator: NotIn
        values:
        - legacy
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
        - monitoring
      - key: kubernetes.io/metadata.name
        operator: In
        values:
        - team-a
        - team-b
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha
  namespace: team-a
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha
  namespace: team-b
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system","monitoring"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system, monitoring"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system, monitoring"
      reason: Forbidden
    - expression: |-
        request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system","monitoring"] || request.namespace in ["team-a","team-b"]
      messageExpression: |-
        "hahaha may " + variables.action + " pods only in the namespaces it manages (team-a, team-b), not in " + request.namespace
      message: "hahaha may exec into, port-forward to or update pods only in the namespaces it manages (team-a, team-b)"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Fail
    matchPolicy: Equivalent
    timeoutSeconds: 3
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: team
        operator: In
        values:
        - a
        - b
      - key: skip
        operator: DoesNotExist
      - key: app.kubernetes.io/part-of
        operator: NotIn
        values:
        - legacy
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
        - monitoring
      - key: kubernetes.io/metadata.name
        operator: In
        values:
        - team-a
        - team-b
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > default (selfManaged) 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > dryRun 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --dry-run
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "debug"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > existingSecret 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --cert-file
            - /tls/tls.crt
            - --key-file
            - /tls/tls.key
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: tls
              mountPath: /tls
              readOnly: true
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        - name: tls
          secret:
            secretName: my-tls
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
      caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlZmFrZWZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
      caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlZmFrZWZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > monitoring on 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/dashboard.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: hahaha-dashboard
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    grafana_dashboard: "1"
data:
  hahaha.json: |
    {
      "title": "hahaha",
      "uid": "hahaha",
      "tags": [
        "hahaha",
        "kubernetes",
        "jobs"
      ],
      "timezone": "",
      "schemaVersion": 39,
      "version": 1,
      "editable": true,
      "description": "hahaha: sidecar shutdowns of finished Jobs, pods awaiting them, and admission webhook latency.",
      "time": {
        "from": "now-6h",
        "to": "now"
      },
      "refresh": "1m",
      "templating": {
        "list": [
          {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0
          },
          {
            "name": "namespace",
            "label": "hahaha namespace",
            "type": "query",
            "datasource": {
              "type": "prometheus",
              "uid": "\${datasource}"
            },
            "query": {
              "query": "label_values(hahaha_leader, namespace)",
              "refId": "namespace"
            },
            "definition": "label_values(hahaha_leader, namespace)",
            "includeAll": true,
            "multi": false,
            "current": {},
            "refresh": 2,
            "hide": 0
          }
        ]
      },
      "annotations": {
        "list": []
      },
      "panels": [
        {
          "id": 1,
          "type": "stat",
          "title": "Pods awaiting sidecar shutdown",
          "description": "Managed pods whose main containers have finished while a sidecar still runs (hahaha_pods_awaiting_shutdown).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 0,
            "w": 6,
            "h": 4
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "thresholds": {
                "mode": "absolute",
                "steps": [
                  {
                    "color": "green",
                    "value": null
                  },
                  {
                    "color": "orange",
                    "value": 1
                  },
                  {
                    "color": "red",
                    "value": 10
                  }
                ]
              }
            },
            "overrides": []
          },
          "options": {
            "reduceOptions": {
              "calcs": [
                "lastNotNull"
              ],
              "fields": "",
              "values": false
            },
            "colorMode": "value",
            "graphMode": "area"
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "max(hahaha_pods_awaiting_shutdown{namespace=~\\"$namespace\\"})"
            }
          ]
        },
        {
          "id": 2,
          "type": "stat",
          "title": "Oldest awaiting",
          "description": "How long the oldest awaiting pod has waited since its main containers finished.",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 6,
            "y": 0,
            "w": 6,
            "h": 4
          },
          "fieldConfig": {
            "defaults": {
              "unit": "s",
              "thresholds": {
                "mode": "absolute",
                "steps": [
                  {
                    "color": "green",
                    "value": null
                  },
                  {
                    "color": "orange",
                    "value": 60
                  },
                  {
                    "color": "red",
                    "value": 600
                  }
                ]
              }
            },
            "overrides": []
          },
          "options": {
            "reduceOptions": {
              "calcs": [
                "lastNotNull"
              ],
              "fields": "",
              "values": false
            },
            "colorMode": "value",
            "graphMode": "area"
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "max(hahaha_oldest_awaiting_shutdown_seconds{namespace=~\\"$namespace\\"})"
            }
          ]
        },
        {
          "id": 3,
          "type": "stat",
          "title": "Leader",
          "description": "Replicas holding the Lease (should be 1).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 0,
            "w": 6,
            "h": 4
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "thresholds": {
                "mode": "absolute",
                "steps": [
                  {
                    "color": "red",
                    "value": null
                  },
                  {
                    "color": "green",
                    "value": 1
                  },
                  {
                    "color": "red",
                    "value": 2
                  }
                ]
              }
            },
            "overrides": []
          },
          "options": {
            "reduceOptions": {
              "calcs": [
                "lastNotNull"
              ],
              "fields": "",
              "values": false
            },
            "colorMode": "value",
            "graphMode": "area"
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum(hahaha_leader{namespace=~\\"$namespace\\"})"
            }
          ]
        },
        {
          "id": 4,
          "type": "stat",
          "title": "Shutdowns (24h)",
          "description": "Sidecars shut down successfully in the last 24 hours.",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 18,
            "y": 0,
            "w": 6,
            "h": 4
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "thresholds": {
                "mode": "absolute",
                "steps": [
                  {
                    "color": "green",
                    "value": null
                  }
                ]
              }
            },
            "overrides": []
          },
          "options": {
            "reduceOptions": {
              "calcs": [
                "lastNotNull"
              ],
              "fields": "",
              "values": false
            },
            "colorMode": "value",
            "graphMode": "area"
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum(increase(hahaha_sidecar_shutdowns_total{namespace=~\\"$namespace\\",result=\\"success\\"}[24h]))"
            }
          ]
        },
        {
          "id": 5,
          "type": "timeseries",
          "title": "Sidecar shutdowns by result",
          "description": "Shutdown steps per second, by result (success, failed, still-running).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 4,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "ops",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "normal"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum by (result) (rate(hahaha_sidecar_shutdowns_total{namespace=~\\"$namespace\\"}[$__rate_interval]))",
              "legendFormat": "{{result}}"
            }
          ]
        },
        {
          "id": 6,
          "type": "timeseries",
          "title": "Shutdown failures by container",
          "description": "Failed steps and steps that left the sidecar running, by namespace and container. (exported_namespace: the pod's namespace; namespace is hahaha's own.)",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 4,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "ops",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum by (exported_namespace, container, result) (rate(hahaha_sidecar_shutdowns_total{namespace=~\\"$namespace\\",result!=\\"success\\"}[$__rate_interval]))",
              "legendFormat": "{{exported_namespace}}/{{container}} {{result}}"
            }
          ]
        },
        {
          "id": 7,
          "type": "timeseries",
          "title": "Pods awaiting sidecar shutdown",
          "description": "Awaiting pods and the oldest one's wait.",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 12,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "max(hahaha_pods_awaiting_shutdown{namespace=~\\"$namespace\\"})",
              "legendFormat": "awaiting pods"
            }
          ]
        },
        {
          "id": 8,
          "type": "timeseries",
          "title": "Time to shut sidecars down",
          "description": "From the last main container terminating to the last sidecar terminating (hahaha_shutdown_duration_seconds).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 12,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "s",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "histogram_quantile(0.5, sum by (le) (rate(hahaha_shutdown_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "p50"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "B",
              "expr": "histogram_quantile(0.9, sum by (le) (rate(hahaha_shutdown_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "p90"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "C",
              "expr": "histogram_quantile(0.99, sum by (le) (rate(hahaha_shutdown_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "p99"
            }
          ]
        },
        {
          "id": 9,
          "type": "timeseries",
          "title": "Unsupported sidecars",
          "description": "Running sidecars of finished pods hahaha could not shut down, by reason. (exported_namespace: the pod's namespace; namespace is hahaha's own.)",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 20,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum by (exported_namespace, container, reason) (increase(hahaha_unsupported_sidecars_total{namespace=~\\"$namespace\\"}[$__rate_interval]))",
              "legendFormat": "{{exported_namespace}}/{{container}} {{reason}}"
            }
          ]
        },
        {
          "id": 10,
          "type": "timeseries",
          "title": "Admission latency",
          "description": "Time to answer an admission request, by webhook (hahaha_admission_duration_seconds).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 20,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "s",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "histogram_quantile(0.5, sum by (le, webhook) (rate(hahaha_admission_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "{{webhook}} p50"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "B",
              "expr": "histogram_quantile(0.9, sum by (le, webhook) (rate(hahaha_admission_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "{{webhook}} p90"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "C",
              "expr": "histogram_quantile(0.99, sum by (le, webhook) (rate(hahaha_admission_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "{{webhook}} p99"
            }
          ]
        },
        {
          "id": 11,
          "type": "timeseries",
          "title": "Admission requests by result",
          "description": "Admission requests per second by webhook and result; error means an internal error (the pod was admitted unchanged).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 28,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "reqps",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "normal"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum by (webhook, result) (rate(hahaha_admission_requests_total{namespace=~\\"$namespace\\"}[$__rate_interval]))",
              "legendFormat": "{{webhook}} {{result}}"
            }
          ]
        },
        {
          "id": 12,
          "type": "timeseries",
          "title": "Watch restarts and event failures",
          "description": "Pod watches restarted, and Events that could not be written.",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 28,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "short",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "sum(increase(hahaha_watch_restarts_total{namespace=~\\"$namespace\\"}[$__rate_interval]))",
              "legendFormat": "watch restarts"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "B",
              "expr": "sum by (reason) (increase(hahaha_event_failures_total{namespace=~\\"$namespace\\"}[$__rate_interval]))",
              "legendFormat": "event failures {{reason}}"
            }
          ]
        },
        {
          "id": 13,
          "type": "timeseries",
          "title": "Shutdown reaction and its parts (p99)",
          "description": "From the change that shows a pod's mains finished to its first step sent (hahaha_shutdown_reaction_seconds), beside its parts: the wait in the work queue's change lane (hahaha_queue_wait_seconds) and the writes of the claims, hahaha's Events (hahaha_kube_request_duration_seconds).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 0,
            "y": 36,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "s",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "histogram_quantile(0.99, sum by (le) (rate(hahaha_shutdown_reaction_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "reaction p99"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "B",
              "expr": "histogram_quantile(0.99, sum by (le) (rate(hahaha_queue_wait_seconds_bucket{namespace=~\\"$namespace\\",lane=\\"change\\"}[$__rate_interval])))",
              "legendFormat": "queue wait p99"
            },
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "C",
              "expr": "histogram_quantile(0.99, sum by (le) (rate(hahaha_kube_request_duration_seconds_bucket{namespace=~\\"$namespace\\",resource=\\"events\\",verb=~\\"POST|PATCH\\"}[$__rate_interval])))",
              "legendFormat": "Event write p99"
            }
          ]
        },
        {
          "id": 14,
          "type": "timeseries",
          "title": "Kubernetes API latency (p99)",
          "description": "Calls hahaha makes to the Kubernetes API, by verb, resource and status code (hahaha_kube_request_duration_seconds; code 0: no whole answer, such as a deadline).",
          "datasource": {
            "type": "prometheus",
            "uid": "\${datasource}"
          },
          "gridPos": {
            "x": 12,
            "y": 36,
            "w": 12,
            "h": 8
          },
          "fieldConfig": {
            "defaults": {
              "unit": "s",
              "custom": {
                "drawStyle": "line",
                "fillOpacity": 10,
                "stacking": {
                  "mode": "none"
                }
              }
            },
            "overrides": []
          },
          "options": {
            "legend": {
              "displayMode": "list",
              "placement": "bottom"
            },
            "tooltip": {
              "mode": "multi"
            }
          },
          "targets": [
            {
              "datasource": {
                "type": "prometheus",
                "uid": "\${datasource}"
              },
              "refId": "A",
              "expr": "histogram_quantile(0.99, sum by (le, verb, resource, code) (rate(hahaha_kube_request_duration_seconds_bucket{namespace=~\\"$namespace\\"}[$__rate_interval])))",
              "legendFormat": "{{verb}} {{resource}} {{code}}"
            }
          ]
        }
      ]
    }
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/prometheusrule.yaml
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  groups:
    - name: hahaha
      rules:
        - alert: HahahaPodsAwaitingShutdown
          # Jobs whose main containers are done but whose sidecars still run: they hold pod quota.
          expr: |
            max(hahaha_oldest_awaiting_shutdown_seconds{namespace="hahaha-system"}) > 300
            and
            max(hahaha_pods_awaiting_shutdown{namespace="hahaha-system"}) > 0
          for: 5m
          labels:
            severity: warning
          annotations:
            summary: Pods have waited more than 300s for their sidecars to be shut down
            description: >-
              The oldest managed pod whose main containers have finished has waited
              {{ $value | humanizeDuration }} for its sidecars (hahaha_pods_awaiting_shutdown counts them).
              Look for ShutdownFailed, ShutdownAbandoned, NoShutdownAction and SidecarNotStarted events on
              those pods, e.g. kubectl get events -A --field-selector reason=ShutdownAbandoned.
        - alert: HahahaSidecarShutdownFailures
          # Shutdown steps keep failing or leave the sidecar running.
          expr: |
            sum(rate(hahaha_sidecar_shutdowns_total{namespace="hahaha-system",result!="success"}[10m])) > 0
          for: 15m
          labels:
            severity: warning
          annotations:
            summary: Sidecar shutdown steps are failing
            description: >-
              {{ $value | humanize }} shutdown steps per second fail or leave the sidecar running.
              See the ShutdownFailed events and hahaha_sidecar_shutdowns_total by namespace and container.
        - alert: HahahaNoLeader
          # No replica holds the Lease: nothing shuts sidecars down (the webhooks still answer).
          expr: |
            sum(hahaha_leader{namespace="hahaha-system"}) == 0
          for: 5m
          labels:
            severity: warning
          annotations:
            summary: No hahaha replica is the leader
            description: >-
              No hahaha replica in hahaha-system has held the Lease hahaha for 5m:
              sidecars of finished Jobs are not being shut down. Check the pods' logs and the Lease.
        - alert: HahahaAbsent
          # No hahaha metrics at all: no replica is running or being scraped.
          expr: |
            absent(hahaha_leader{namespace="hahaha-system"})
          for: 5m
          labels:
            severity: warning
          annotations:
            summary: hahaha is not running or not scraped
            description: No hahaha_leader series from hahaha-system for 5m.
        - alert: HahahaWebhookErrors
          # The webhooks answer with internal errors (the mutating webhook then admits pods unchanged).
          expr: |
            sum(rate(hahaha_admission_requests_total{namespace="hahaha-system",result="error"}[5m])) > 0
          for: 10m
          labels:
            severity: warning
          annotations:
            summary: hahaha's admission webhooks answer with errors
            description: >-
              {{ $value | humanize }} admission requests per second end in an internal error; pods are admitted
              without shutdown annotations. See the warn and error lines of hahaha's logs.
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/servicemonitor.yaml
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    release: prometheus
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
      app.kubernetes.io/component: metrics
  namespaceSelector:
    matchNames: ["hahaha-system"]
  endpoints:
    - port: metrics
      path: /metrics
      scheme: http
      interval: 30s
      # hahaha's own \`namespace\` label (a pod's namespace) becomes exported_namespace, and
      # \`namespace\` is hahaha's: the alerts and the dashboard select hahaha by it.
      honorLabels: false
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > nativeSidecars off 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "off"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > nativeSidecars on, no shutdown actions 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "on"
            - --native-min-version
            - "1.29"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > one replica, pinned image, scheduling 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 1
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
        team: platform
      annotations:
        example.com/a: b
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      priorityClassName: system-cluster-critical
      terminationGracePeriodSeconds: 40
      imagePullSecrets:
        - name: regcred
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
            - "--concurrency"
            - "40"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      nodeSelector:
        kubernetes.io/os: linux
      tolerations:
        - effect: NoSchedule
          key: dedicated
          operator: Equal
          value: infra
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: DoNotSchedule
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > snapshots of every render in the matrix > webhook.url (test-only) 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --cert-file
            - /tls/tls.crt
            - --key-file
            - /tls/tls.key
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: tls
              mountPath: /tls
              readOnly: true
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        - name: tls
          secret:
            secretName: my-tls
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      url: "https://127.0.0.1:18443/mutate"
      caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlZmFrZWZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      url: "https://127.0.0.1:18443/validate"
      caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlZmFrZWZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`

exports[`test/chart/render.test.ts > TAP > split: the webhooks as a ServiceAccount with no exec, port-forward, pods or events; the controller alone with the workload RBAC > split 1`] = `
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: [""]
    resources: ["pods/exec", "pods/portforward"]
    verbs: ["create", "get"]
  - apiGroups: ["events.k8s.io"]
    resources: ["events"]
    verbs: ["create", "get"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["list", "watch"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
    resourceNames: ["00-hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-nodes
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-nodes
subjects:
  - kind: ServiceAccount
    name: hahaha-webhook
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: hahaha-webhook-ca
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: hahaha-webhook-ca
subjects:
  - kind: ServiceAccount
    name: hahaha-webhook
    namespace: hahaha-system
---
# Source: hahaha/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Keep every serving replica until its replacement is ready: the webhooks stay answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
  template:
    metadata:
      labels:
        helm.sh/chart: hahaha-0.1.0
        app.kubernetes.io/name: hahaha
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/version: "0.1.0"
        app.kubernetes.io/managed-by: Helm
    spec:
      serviceAccountName: hahaha-webhook
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --port
            - "8443"
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --no-controller
            - --lease-name
            - "hahaha-webhook"
            - --log-level
            - "info"
            - --native-sidecars
            - "auto"
            - --native-min-version
            - "1.33"
            - --certificates
            - self-managed
            - --cert-secret
            - "hahaha-tls"
            - --webhook-config-name
            - "00-hahaha"
            - --cert-host
            - "hahaha.hahaha-system.svc"
            - --cert-host
            - "hahaha.hahaha-system.svc.cluster.local"
            - --cert-lifetime
            - "2160h"
            - --renew-before
            - "720h"
          env:
            # hahaha's Lease identity and the namespace of its Lease.
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
          startupProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          readinessProbe:
            httpGet:
              path: /readyz
              port: https
              scheme: HTTPS
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: https
              scheme: HTTPS
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: hahaha
                    app.kubernetes.io/instance: hahaha
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          matchLabelKeys: [pod-template-hash]
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: hahaha
              app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/controller.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hahaha-controller
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/instance: hahaha
      app.kubernetes.io/name: hahaha-controller
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: hahaha
        app.kubernetes.io/name: hahaha-controller
        app.kubernetes.io/component: controller
    spec:
      serviceAccountName: hahaha
      automountServiceAccountToken: true
      enableServiceLinks: false
      terminationGracePeriodSeconds: 40
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: hahaha
          image: "ghcr.io/nais/hahaha:0.1.0"
          imagePullPolicy: IfNotPresent
          args:
            - serve
            - --no-webhooks
            - --metrics-port
            - "9090"
            - --selector
            - "nais.io/naisjob=true"
            - --exclude-namespaces
            - "kube-system,kube-public,kube-node-lease,hahaha-system"
            - --shutdown-grace
            - "30s"
            - --max-attempts
            - "6"
            - --drain-timeout
            - "20s"
            - --lease-name
            - "hahaha"
            - --log-level
            - "info"
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: metrics
              containerPort: 9090
              protocol: TCP
          readinessProbe:
            httpGet:
              path: /readyz
              port: metrics
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: metrics
            periodSeconds: 10
          resources:
            limits:
              memory: 384Mi
            requests:
              cpu: 50m
              memory: 128Mi
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            privileged: false
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Writes each sidecar's shutdown action into managed pods at creation. Fails open: a down
  # hahaha never stops pod creation (the controller then falls back to the catalog).
  - name: mutate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    reinvocationPolicy: IfNeeded
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /mutate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
---
# Source: hahaha/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: hahaha
      app.kubernetes.io/instance: hahaha
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["hahaha-tls"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: hahaha-webhook-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    resourceNames: ["hahaha-webhook"]
    verbs: ["get", "update"]
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-certificates
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-certificates
subjects:
  - kind: ServiceAccount
    name: hahaha-webhook
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha
    namespace: hahaha-system
---
# Source: hahaha/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: hahaha-webhook-leader-election
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: hahaha-webhook-leader-election
subjects:
  - kind: ServiceAccount
    name: hahaha-webhook
    namespace: hahaha-system
---
# Source: hahaha/templates/certificates.yaml
# hahaha keeps its CA and serving certificate here and renews them itself. The chart creates the
# Secret empty (no certificate is ever rendered, so renders are stable) and keeps it on uninstall.
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: hahaha-tls
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  annotations:
    helm.sh/resource-policy: keep
---
# Source: hahaha/templates/service.yaml
# The webhooks: the apiserver calls https://hahaha.hahaha-system.svc:443.
apiVersion: v1
kind: Service
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: https
      port: 443
      targetPort: https
      protocol: TCP
---
# Source: hahaha/templates/service.yaml
# Prometheus metrics (plain HTTP), for scraping.
apiVersion: v1
kind: Service
metadata:
  name: hahaha-metrics
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
    app.kubernetes.io/component: metrics
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
---
# Source: hahaha/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/serviceaccount.yaml
# split: the webhooks' ServiceAccount (the controller keeps the one above, with the workload RBAC).
apiVersion: v1
kind: ServiceAccount
metadata:
  name: hahaha-webhook
  namespace: hahaha-system
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")"
      messageExpression: "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CONNECT"]
        resources: ["pods/exec", "pods/portforward"]
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: hahaha-service-account
      expression: |-
        request.userInfo.username == "system:serviceaccount:hahaha-system:hahaha"
  # Cost: the apiserver allows 1,000,000 per expression (a variable is one) and 10,000,000 per
  # request. Comparing maps and lists with == costs next to nothing whatever their size, so spec,
  # labels, ownerReferences and finalizers are compared whole; only the annotations, where the state
  # keys may differ, are walked key by key, about 10 a key for the widest variable, so that even a pod
  # at the apiserver's limit of 256 KiB of annotations (at most 88,704 keys) stays under 1,000,000.
  variables:
    # (request.subResource is absent, not empty, on a request for the pod itself.)
    - name: action
      expression: |-
        request.operation == "UPDATE" ? "update" : request.subResource == "exec" ? "exec into" : "port-forward to"
    # The rest is read for pod updates only (a CONNECT's object is no Pod).
    - name: podUpdate
      expression: |-
        request.operation == "UPDATE"
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    # Annotations outside the state domain that the update adds or changes, and those it removes.
    - name: othersSet
      expression: |-
        variables.newAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))
    - name: othersRemoved
      expression: |-
        variables.oldAnnotations.filter(k, !k.startsWith("state.hahaha.nais.io/") && !(k in variables.newAnnotations))
    - name: newLabels
      expression: |-
        has(object.metadata.labels) ? object.metadata.labels : {}
    - name: oldLabels
      expression: |-
        has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}
  validations:
    - expression: |-
        !(request.namespace in ["kube-system","kube-public","kube-node-lease","hahaha-system"])
      messageExpression: |-
        "hahaha may not " + variables.action + " pods in " + request.namespace + ": it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      message: "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || object.spec == oldObject.spec
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || variables.newLabels == variables.oldLabels
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: " + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0
      messageExpression: |-
        "hahaha may change only the state.hahaha.nais.io annotations of a pod, not " + (variables.othersSet + variables.othersRemoved).join(", ")
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences"
      reason: Forbidden
    - expression: |-
        !variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])
      message: "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
  matchConditions:
    - name: not-hahaha
      expression: |-
        request.userInfo.username != "system:serviceaccount:hahaha-system:hahaha"
    # Only pods that have, or had, a state annotation: every other pod write is left at this. (filter
    # costs a third of exists per key; at the 256 KiB limit of annotations this stays under 400,000.)
    - name: state-annotations
      expression: |-
        (has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0) ||
        (oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith("state.hahaha.nais.io/"))) > 0)
  variables:
    - name: newAnnotations
      expression: |-
        has(object.metadata.annotations) ? object.metadata.annotations : {}
    - name: oldAnnotations
      expression: |-
        oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}
    - name: newState
      expression: |-
        variables.newAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: oldState
      expression: |-
        variables.oldAnnotations.filter(k, k.startsWith("state.hahaha.nais.io/"))
    - name: added
      expression: |-
        variables.newState.filter(k, !(k in variables.oldAnnotations))
    - name: changed
      expression: |-
        variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])
    - name: removed
      expression: |-
        variables.oldState.filter(k, !(k in variables.newAnnotations))
    - name: why
      expression: |-
        ": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha"
  validations:
    - expression: |-
        size(variables.added) == 0
      messageExpression: |-
        (request.operation == "CREATE" ? "a pod may not be created with " : "you may not add ") + variables.added.join(", ") + variables.why
      message: "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.changed) == 0
      messageExpression: |-
        "you may not change " + variables.changed.join(", ") + variables.why
      message: "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
    - expression: |-
        size(variables.removed) == 0
      messageExpression: |-
        "you may not remove " + variables.removed.join(", ") + variables.why
      message: "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown"
      reason: Forbidden
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-exec
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-exec
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-scope
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-scope
  validationActions: [Deny]
---
# Source: hahaha/templates/admission-policies.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hahaha-state
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
spec:
  policyName: hahaha-state
  validationActions: [Deny]
---
# Source: hahaha/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: 00-hahaha
  labels:
    helm.sh/chart: hahaha-0.1.0
    app.kubernetes.io/name: hahaha
    app.kubernetes.io/instance: hahaha
    app.kubernetes.io/version: "0.1.0"
    app.kubernetes.io/managed-by: Helm
  
webhooks:
  # Denies managed pods whose shutdown annotations are malformed or not allowed.
  - name: validate.hahaha.nais.io
    admissionReviewVersions: ["v1"]
    sideEffects: None
    failurePolicy: Ignore
    matchPolicy: Equivalent
    timeoutSeconds: 5
    clientConfig:
      
      service:
        name: hahaha
        namespace: hahaha-system
        path: /validate
        port: 443
    rules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["pods"]
        scope: Namespaced
    objectSelector:
      matchExpressions:
      - key: nais.io/naisjob
        operator: In
        values:
        - "true"
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
        - kube-public
        - kube-node-lease
        - hahaha-system
    # hahaha's own writes of its state annotation never wait on hahaha's webhook: a down webhook
    # under failurePolicy Fail could otherwise block them. The <fullname>-scope admission policy
    # confines that ServiceAccount's pod updates to the state annotations, inside the apiserver.
    matchConditions:
      - name: not-hahaha
        expression: "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""

`
