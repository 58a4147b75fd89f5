/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > admission policies off 1`] = `


`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > catalog and allowExec 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicy/hahaha-exec
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-exec
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "(size(object.command) == 2 && object.command[0] == \\"/usr/bin/pkill\\" && object.command[1] == \\"envoy\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[3] == \\"1\\")",
   "messageExpression": "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-exec",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > default 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicy/hahaha-exec
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-exec
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")",
   "messageExpression": "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-exec",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > deprecated execAdmissionPolicy false 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > deprecated execAdmissionPolicy true 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicy/hahaha-exec
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-exec
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")",
   "messageExpression": "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-exec",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > execCommands false 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > namespaces set 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicy/hahaha-exec
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-exec
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\",\\"monitoring\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system, monitoring\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system, monitoring",
   "reason": "Forbidden"
  },
  {
   "expression": "request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\",\\"monitoring\\"] || request.namespace in [\\"team-a\\",\\"team-b\\"]",
   "messageExpression": "\\"hahaha may \\" + variables.action + \\" pods only in the namespaces it manages (team-a, team-b), not in \\" + request.namespace",
   "message": "hahaha may exec into, port-forward to or update pods only in the namespaces it manages (team-a, team-b)",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")",
   "messageExpression": "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-exec",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > shutdownActions false 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
`

exports[`test/chart/policies.test.ts > TAP > snapshots of the policies in every mode > split 1`] = `
ValidatingAdmissionPolicy/hahaha-scope
ValidatingAdmissionPolicy/hahaha-state
ValidatingAdmissionPolicy/hahaha-exec
ValidatingAdmissionPolicyBinding/hahaha-scope
ValidatingAdmissionPolicyBinding/hahaha-state
ValidatingAdmissionPolicyBinding/hahaha-exec
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec",
     "pods/portforward"
    ]
   },
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "variables": [
  {
   "name": "action",
   "expression": "request.operation == \\"UPDATE\\" ? \\"update\\" : request.subResource == \\"exec\\" ? \\"exec into\\" : \\"port-forward to\\""
  },
  {
   "name": "podUpdate",
   "expression": "request.operation == \\"UPDATE\\""
  },
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "othersSet",
   "expression": "variables.newAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && variables.oldAnnotations[?k] != optional.of(variables.newAnnotations[k]))"
  },
  {
   "name": "othersRemoved",
   "expression": "variables.oldAnnotations.filter(k, !k.startsWith(\\"state.hahaha.nais.io/\\") && !(k in variables.newAnnotations))"
  },
  {
   "name": "newLabels",
   "expression": "has(object.metadata.labels) ? object.metadata.labels : {}"
  },
  {
   "name": "oldLabels",
   "expression": "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
  }
 ],
 "validations": [
  {
   "expression": "!(request.namespace in [\\"kube-system\\",\\"kube-public\\",\\"kube-node-lease\\",\\"hahaha-system\\"])",
   "messageExpression": "\\"hahaha may not \\" + variables.action + \\" pods in \\" + request.namespace + \\": it never manages kube-system, kube-public, kube-node-lease, hahaha-system\\"",
   "message": "hahaha may not exec into, port-forward to or update pods here: it never manages kube-system, kube-public, kube-node-lease, hahaha-system",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || object.spec == oldObject.spec",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its spec",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || variables.newLabels == variables.oldLabels",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels: \\" + (variables.newLabels.filter(k, variables.oldLabels[?k] != optional.of(variables.newLabels[k])) + variables.oldLabels.filter(k, !(k in variables.newLabels))).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its labels",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || size(variables.othersSet) + size(variables.othersRemoved) == 0",
   "messageExpression": "\\"hahaha may change only the state.hahaha.nais.io annotations of a pod, not \\" + (variables.othersSet + variables.othersRemoved).join(\\", \\")",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its other annotations",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its ownerReferences",
   "reason": "Forbidden"
  },
  {
   "expression": "!variables.podUpdate || (has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : [])",
   "message": "hahaha may change only the state.hahaha.nais.io annotations of a pod, not its finalizers",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CREATE",
     "UPDATE"
    ],
    "resources": [
     "pods"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "not-hahaha",
   "expression": "request.userInfo.username != \\"system:serviceaccount:hahaha-system:hahaha\\""
  },
  {
   "name": "state-annotations",
   "expression": "(has(object.metadata.annotations) && size(object.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0) ||\\n(oldObject != null && has(oldObject.metadata.annotations) && size(oldObject.metadata.annotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))) > 0)"
  }
 ],
 "variables": [
  {
   "name": "newAnnotations",
   "expression": "has(object.metadata.annotations) ? object.metadata.annotations : {}"
  },
  {
   "name": "oldAnnotations",
   "expression": "oldObject != null && has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
  },
  {
   "name": "newState",
   "expression": "variables.newAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "oldState",
   "expression": "variables.oldAnnotations.filter(k, k.startsWith(\\"state.hahaha.nais.io/\\"))"
  },
  {
   "name": "added",
   "expression": "variables.newState.filter(k, !(k in variables.oldAnnotations))"
  },
  {
   "name": "changed",
   "expression": "variables.newState.filter(k, k in variables.oldAnnotations && variables.oldAnnotations[k] != variables.newAnnotations[k])"
  },
  {
   "name": "removed",
   "expression": "variables.oldState.filter(k, !(k in variables.newAnnotations))"
  },
  {
   "name": "why",
   "expression": "\\": the state.hahaha.nais.io annotations are hahaha's record of the pod's shutdown (claims, rounds, retry budget), written only by system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "size(variables.added) == 0",
   "messageExpression": "(request.operation == \\"CREATE\\" ? \\"a pod may not be created with \\" : \\"you may not add \\") + variables.added.join(\\", \\") + variables.why",
   "message": "you may not set an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.changed) == 0",
   "messageExpression": "\\"you may not change \\" + variables.changed.join(\\", \\") + variables.why",
   "message": "you may not change an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  },
  {
   "expression": "size(variables.removed) == 0",
   "messageExpression": "\\"you may not remove \\" + variables.removed.join(\\", \\") + variables.why",
   "message": "you may not remove an annotation of the state.hahaha.nais.io domain: it is hahaha's record of the pod's shutdown",
   "reason": "Forbidden"
  }
 ]
}
{
 "failurePolicy": "Fail",
 "matchConstraints": {
  "resourceRules": [
   {
    "apiGroups": [
     ""
    ],
    "apiVersions": [
     "v1"
    ],
    "operations": [
     "CONNECT"
    ],
    "resources": [
     "pods/exec"
    ]
   }
  ]
 },
 "matchConditions": [
  {
   "name": "hahaha-service-account",
   "expression": "request.userInfo.username == \\"system:serviceaccount:hahaha-system:hahaha\\""
  }
 ],
 "validations": [
  {
   "expression": "(size(object.command) == 2 && object.command[0] == \\"/bin/killall\\" && object.command[1] == \\"configmap-reload\\") || (size(object.command) == 4 && object.command[0] == \\"/bin/kill\\" && object.command[1] == \\"-s\\" && object.command[2] == \\"INT\\" && object.command[3] == \\"1\\")",
   "messageExpression": "\\"hahaha may exec only the commands of its exec policy, not: \\" + object.command.join(\\" \\")",
   "reason": "Forbidden"
  }
 ]
}
{
 "policyName": "hahaha-scope",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-state",
 "validationActions": [
  "Deny"
 ]
}
{
 "policyName": "hahaha-exec",
 "validationActions": [
  "Deny"
 ]
}
`
