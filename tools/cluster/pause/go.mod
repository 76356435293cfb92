// The pod sandbox's first process (tools/cluster/README.md): no dependencies.
module k8scourse.test/tools/cluster/pause

go 1.25.0
