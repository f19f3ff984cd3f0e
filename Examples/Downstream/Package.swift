// swift-tools-version:6.2
// A package that uses this repository as an ordinary SwiftPM dependency (by local path here;
// by URL in a real project), to prove the library product builds for other packages: no
// unsafeFlags, and a public API sufficient for a program of its own. `make test` builds and
// runs it (Tests/e2e/test_downstream.py). It gets the portable kernels; on an AVX2 machine a
// dependent package can turn on the faster ones with `.package(..., traits: ["AVX2"])` and
// build with `-Xswiftc -target-cpu -Xswiftc haswell` (see Docs/Performance.md).
import PackageDescription

let package = Package(
    name: "Downstream",
    dependencies: [
        .package(name: "cyxwiz-node-inference", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "Downstream",
            dependencies: [.product(name: "NodeInference", package: "cyxwiz-node-inference")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
