package io.sparkmoe.jobs.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesUtils;
import org.apache.spark.deploy.k8s.SparkPod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Option;

import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes manifests of {@code deploy/k8s} load the way Spark loads them: pod templates through
 * Spark's own {@code KubernetesUtils.loadPodFromTemplate} (fabric8 underneath), the RBAC objects through
 * the same client. No cluster is contacted.
 */
class KubernetesManifestsTest {

    static KubernetesClient client;

    @BeforeAll
    static void client() {
        client = new KubernetesClientBuilder().build();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static SparkPod template(String file, String container) {
        String f = Scripts.ROOT.resolve("deploy/k8s/" + file).toString();
        return KubernetesUtils.loadPodFromTemplate(client, f, Option.apply(container), new SparkConf(false));
    }

    @Test
    void gpuExecutorTemplateAsksForOneGpuOnGpuNodes() {
        SparkPod pod = template("executor-gpu-pod-template.yaml", "spark-kubernetes-executor");
        Container c = pod.container();
        assertEquals("spark-kubernetes-executor", c.getName());
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals("true", pod.pod().getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
        assertTrue(pod.pod().getSpec().getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())));
    }

    @Test
    void cpuTemplatesLoadWithTheirNamedContainers() {
        assertEquals("spark-kubernetes-executor",
                template("executor-pod-template.yaml", "spark-kubernetes-executor").container().getName());
        SparkPod driver = template("driver-pod-template.yaml", "spark-kubernetes-driver");
        assertEquals("spark-kubernetes-driver", driver.container().getName());
        assertEquals("sparkmoe", driver.pod().getSpec().getServiceAccountName());
    }

    @Test
    void rbacGivesTheDriverItsServiceAccountAndRole() throws Exception {
        try (InputStream in = Files.newInputStream(Scripts.ROOT.resolve("deploy/k8s/rbac.yaml"))) {
            List<HasMetadata> items = client.load(in).items();
            assertEquals(List.of("ServiceAccount", "Role", "RoleBinding"), items.stream().map(HasMetadata::getKind).toList());
            assertTrue(items.stream().allMatch(i -> "sparkmoe".equals(i.getMetadata().getNamespace())));
        }
    }
}
