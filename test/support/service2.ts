// The service2 template of the Zadig spec (GET /openapi/service/yaml/:serviceName).
// The spec's JSON lost the YAML indentation (every nested line is indented by
// one space, which would not even parse); this is the same template with it restored.
export const SERVICE2 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: service2
  labels: 
    app.kubernetes.io/name: ai-test-2
    app.kubernetes.io/instance: service2
    hello: test
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ai-test-2
      app.kubernetes.io/instance: service2
  replicas: 1
  template:
    metadata: 
      labels:
        app.kubernetes.io/name: ai-test-2
        app.kubernetes.io/instance: service2
        hello: {{.world}}
    spec:
      containers:
      - name: service2
        image: koderover.******.com/koderover-demo/service2:latest
        imagePullPolicy: Always 
        command:
        - /workspace/service2
        ports:
        - protocol: TCP
          containerPort: {{.port}}
        resources:
          limits:
            memory: {{.memoryLimit}}
            cpu: {{.cpuLimit}}
---
apiVersion: v1
kind: Service
metadata:
  name: service2
  labels:
    app.kubernetes.io/name: ai-test-2
    app.kubernetes.io/instance: service2
spec:
  type: NodePort
  ports:
  - protocol: TCP
    port: {{.port}}
    targetPort: {{.port}}`;
