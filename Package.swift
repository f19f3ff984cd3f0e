// swift-tools-version:6.2
import PackageDescription

// CPU tuning (e.g. `-Xswiftc -target-cpu -Xswiftc haswell`) is passed on the command line by the
// Makefile: `unsafeFlags` here would stop other packages from depending on this one.
let package = Package(
    name: "cyxwiz-node-inference",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "NodeInference", targets: ["NodeInference"]),
        .library(name: "CyxwizAPI", targets: ["CyxwizAPI"]),
        .executable(name: "cyxwiz-api", targets: ["cyxwiz-api"]),
    ],
    // AVX2: the integer kernels on AVX2's byte multiply-adds (QuantizedProduct+AVX2.swift). Only
    // for builds that target an AVX2 CPU (`-Xswiftc -target-cpu -Xswiftc haswell` or newer):
    // without that the compiler cannot select those instructions. Off by default, so the
    // package builds anywhere; the Makefile turns it on with its CPU flags.
    traits: [
        .trait(name: "AVX2", description: "Integer kernels on AVX2 instructions; needs an AVX2 target CPU (-target-cpu haswell).")
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "NodeInference",
            dependencies: ["COpenBLAS"],
            swiftSettings: [.define("CYXWIZ_AVX2", .when(traits: ["AVX2"]))]
        ),
        .target(
            name: "CyxwizAPI",
            dependencies: [
                "NodeInference",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "cyxwiz-api",
            dependencies: [
                "CyxwizAPI",
                "NodeInference",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Fuzzing harness of the parsers: replays inputs in a normal build; built with
        // `-sanitize=fuzzer -D FUZZING` by `make fuzz` it is a libFuzzer target (Docs/Testing.md).
        .executableTarget(
            name: "cyxwiz-fuzz",
            dependencies: ["CyxwizAPI", "NodeInference"]
        ),
        // Examples: built with everything else and run by `make test` (Tests/e2e/test_examples.py).
        .executableTarget(
            name: "SemanticSearch",
            dependencies: ["NodeInference"],
            path: "Examples/SemanticSearch"
        ),
        .executableTarget(
            name: "Chat",
            dependencies: ["NodeInference"],
            path: "Examples/Chat"
        ),
        .executableTarget(
            name: "EmbeddedServer",
            dependencies: [
                "CyxwizAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/EmbeddedServer"
        ),
        .testTarget(
            name: "NodeInferenceTests",
            dependencies: ["NodeInference"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CyxwizAPITests",
            dependencies: [
                "CyxwizAPI",
                "NodeInference",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
