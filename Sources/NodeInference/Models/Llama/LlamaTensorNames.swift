/// Tensor names of a Llama-family checkpoint in each file format.
package struct LlamaTensorNames: Sendable {
    package var embedding: String
    package var outputNorm: String
    package var output: String
    package var ropeFrequencies: String?
    package var layer: @Sendable (Int, Part) -> String

    package enum Part: Sendable {
        case attentionNorm, query, key, value, output, queryBias, keyBias, valueBias, feedForwardNorm, gate, up, down
    }

    /// llama.cpp's names in GGUF files.
    package static let gguf = LlamaTensorNames(
        embedding: "token_embd.weight", outputNorm: "output_norm.weight", output: "output.weight",
        ropeFrequencies: "rope_freqs.weight"
    ) { index, part in
        let suffix: String
        switch part {
        case .attentionNorm: suffix = "attn_norm.weight"
        case .query: suffix = "attn_q.weight"
        case .key: suffix = "attn_k.weight"
        case .value: suffix = "attn_v.weight"
        case .output: suffix = "attn_output.weight"
        case .queryBias: suffix = "attn_q.bias"
        case .keyBias: suffix = "attn_k.bias"
        case .valueBias: suffix = "attn_v.bias"
        case .feedForwardNorm: suffix = "ffn_norm.weight"
        case .gate: suffix = "ffn_gate.weight"
        case .up: suffix = "ffn_up.weight"
        case .down: suffix = "ffn_down.weight"
        }
        return "blk.\(index).\(suffix)"
    }

    /// Hugging Face transformers' names in safetensors checkpoints.
    package static let huggingFace = LlamaTensorNames(
        embedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", output: "lm_head.weight",
        ropeFrequencies: nil
    ) { index, part in
        let suffix: String
        switch part {
        case .attentionNorm: suffix = "input_layernorm.weight"
        case .query: suffix = "self_attn.q_proj.weight"
        case .key: suffix = "self_attn.k_proj.weight"
        case .value: suffix = "self_attn.v_proj.weight"
        case .output: suffix = "self_attn.o_proj.weight"
        case .queryBias: suffix = "self_attn.q_proj.bias"
        case .keyBias: suffix = "self_attn.k_proj.bias"
        case .valueBias: suffix = "self_attn.v_proj.bias"
        case .feedForwardNorm: suffix = "post_attention_layernorm.weight"
        case .gate: suffix = "mlp.gate_proj.weight"
        case .up: suffix = "mlp.up_proj.weight"
        case .down: suffix = "mlp.down_proj.weight"
        }
        return "model.layers.\(index).\(suffix)"
    }
}
