#!/usr/bin/python3
"""Writes test/fixtures/tiny-clip/: a CLIP-shaped model small enough to commit.

Same folder layout as Xenova/clip-vit-base-patch32 (transformers.js): config.json,
tokenizer.json, tokenizer_config.json, preprocessor_config.json, onnx/text_model.onnx,
onnx/vision_model.onnx. The weights are random (fixed seed) so the scores mean nothing; the
point is that the service's real loading, tokenizing, preprocessing and ONNX plumbing run
end to end without the 600 MB of real CLIP weights, which can't be fetched here.

Run with Debian's interpreter and packages (python3-onnx, python3-numpy):
    /usr/bin/python3 scripts/tiny-clip/generate.py
Deterministic: the same packages give byte-identical files (check with sha256sum).
"""

import json
import os
import unicodedata

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'tiny-clip')
SEED = 20211119
MAX_TOKENS = 77  # CLIP's context length: position embeddings exist for 77 positions only
HIDDEN = 32  # token embedding width
PROJECTION = 32  # shared embedding width (512 in ViT-B/32)
CONV_CHANNELS = 8
PATCH = 32  # ViT-B/32 patch size: the stride-32 conv stands in for the patch embedding
MAX_MERGES = 400
OPSET = 17  # onnx 1.12 (Debian) writes up to 17; onnxruntime 1.30 runs it
SOT, EOT = '<|startoftext|>', '<|endoftext|>'

# English and Korean ad copy: the BPE merges are learned from this, so common words of both
# scripts become single tokens and everything else still encodes byte by byte.
CORPUS = """
a photo of a cup of fresh coffee on a wooden table
fresh coffee beans roasted every morning
summer sale up to 50% off on all shoes
new perfume with a fresh floral scent
a photo of two cats lying on a pink sofa
a photo of a dog playing in the park
organic skin care for every day
the best running shoes for the city
limited edition red lipstick
free delivery on orders over 30 dollars
a glass bottle of cold green tea
handmade leather bag in brown
a bowl of fresh fruit and yogurt
the new phone with a bright screen
sparkling water with lemon and lime
a photo of a product on a white background
신선한 커피 한 잔
매일 아침 볶은 신선한 커피 원두
여름 세일 모든 신발 최대 50% 할인
상큼한 꽃 향기의 새로운 향수
분홍색 소파에 누운 고양이 두 마리
공원에서 노는 강아지 사진
매일 쓰는 유기농 스킨케어
도시를 위한 최고의 러닝화
한정판 빨간 립스틱
3만원 이상 주문 시 무료 배송
차가운 녹차 한 병
갈색 수제 가죽 가방
신선한 과일과 요거트 한 그릇
밝은 화면의 새로운 휴대폰
레몬과 라임을 넣은 탄산수
흰 배경 위의 제품 사진
"""


def bytes_to_unicode():
    """GPT-2 / CLIP byte-level alphabet: every byte maps to a printable character."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def normalize(text):
    """CLIP's normaliser: NFC, whitespace runs to one space, lowercase."""
    return ' '.join(unicodedata.normalize('NFC', text).split()).lower()


def pre_tokenize(text):
    """CLIP's split regex, by hand (Debian's re has no \\p{L}): contractions, letter runs,
    single digits, runs of other non-space characters."""
    kind = lambda ch: 'L' if unicodedata.category(ch).startswith('L') else 'N' if unicodedata.category(ch).startswith('N') else 'S' if ch.isspace() else 'O'
    words, i = [], 0
    while i < len(text):
        ch = text[i]
        contraction = next((c for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d") if text.startswith(c, i)), None)
        if contraction:
            words.append(contraction)
            i += len(contraction)
        elif kind(ch) == 'S':
            i += 1
        elif kind(ch) == 'N':
            words.append(ch)
            i += 1
        else:
            j = i
            while j < len(text) and kind(text[j]) == kind(ch) and not (kind(ch) == 'O' and text[j] == "'"):
                j += 1
            words.append(text[i:max(j, i + 1)])
            i = max(j, i + 1)
    return words


def train_bpe(corpus, byte_map):
    """Plain BPE on byte-level symbols with CLIP's '</w>' end-of-word suffix. Ties between
    equally frequent pairs go to the lexicographically smallest, so the result is stable."""
    freq = {}
    for line in corpus.strip().splitlines():
        for word in pre_tokenize(normalize(line)):
            symbols = [byte_map[b] for b in word.encode('utf-8')]
            symbols[-1] += '</w>'
            freq[tuple(symbols)] = freq.get(tuple(symbols), 0) + 1
    merges = []
    for _ in range(MAX_MERGES):
        pairs = {}
        for word, count in freq.items():
            for pair in zip(word, word[1:]):
                pairs[pair] = pairs.get(pair, 0) + count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < 2:
            break
        merges.append(best)
        merged = {}
        for word, count in freq.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        freq = merged
    return merges


def tokenizer_files(merges, byte_map):
    base = list(byte_map.values())
    tokens = base + [c + '</w>' for c in base] + [a + b for a, b in merges] + [SOT, EOT]
    vocab = {}
    for token in tokens:
        vocab.setdefault(token, len(vocab))
    sot, eot = vocab[SOT], vocab[EOT]
    special = lambda content, i: {'id': i, 'content': content, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': True, 'special': True}
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [special(SOT, sot), special(EOT, eot)],
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'NFC'}, {'type': 'Replace', 'pattern': {'Regex': '\\s+'}, 'content': ' '}, {'type': 'Lowercase'}]},
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             'behavior': 'Removed', 'invert': True},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]},
        'post_processor': {'type': 'RobertaProcessing', 'sep': [EOT, eot], 'cls': [SOT, sot], 'trim_offsets': False, 'add_prefix_space': False},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': EOT, 'continuing_subword_prefix': '', 'end_of_word_suffix': '</w>',
                  'fuse_unk': False, 'byte_fallback': False, 'vocab': vocab, 'merges': [f'{a} {b}' for a, b in merges]},
    }
    tokenizer_config = {
        'add_prefix_space': False, 'bos_token': SOT, 'clean_up_tokenization_spaces': True, 'do_lower_case': True,
        'eos_token': EOT, 'errors': 'replace', 'model_max_length': MAX_TOKENS, 'pad_token': EOT,
        'processor_class': 'CLIPProcessor', 'tokenizer_class': 'CLIPTokenizer', 'unk_token': EOT,
    }
    return tokenizer, tokenizer_config, len(vocab), sot, eot


def text_model(rng, vocab_size):
    """input_ids + attention_mask -> token + position embeddings -> tanh -> masked mean ->
    projection. Real CLIP pools at the end token; a masked mean also checks that padding is
    masked, which is what makes batched scores equal one-by-one scores."""
    inits = [
        numpy_helper.from_array(rng.standard_normal((vocab_size, HIDDEN)).astype(np.float32), 'token_embedding'),
        numpy_helper.from_array((rng.standard_normal((MAX_TOKENS, HIDDEN)) * 0.3).astype(np.float32), 'position_embedding'),
        numpy_helper.from_array((rng.standard_normal((HIDDEN, PROJECTION)) / np.sqrt(HIDDEN)).astype(np.float32), 'text_projection'),
        numpy_helper.from_array(np.array(1, dtype=np.int64), 'one_i'),
        numpy_helper.from_array(np.array(0, dtype=np.int64), 'zero_i'),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), 'last_axis'),
        numpy_helper.from_array(np.array([1], dtype=np.int64), 'seq_axis'),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), 'one_f'),
    ]
    nodes = [
        helper.make_node('Gather', ['token_embedding', 'input_ids'], ['tokens'], axis=0),
        helper.make_node('Shape', ['input_ids'], ['ids_shape']),
        helper.make_node('Gather', ['ids_shape', 'one_i'], ['seq_len'], axis=0),
        helper.make_node('Range', ['zero_i', 'seq_len', 'one_i'], ['positions']),
        helper.make_node('Gather', ['position_embedding', 'positions'], ['position_vectors'], axis=0),
        helper.make_node('Add', ['tokens', 'position_vectors'], ['summed_embeddings']),
        helper.make_node('Tanh', ['summed_embeddings'], ['last_hidden_state']),
        helper.make_node('Cast', ['attention_mask'], ['mask_f'], to=TensorProto.FLOAT),
        helper.make_node('Unsqueeze', ['mask_f', 'last_axis'], ['mask_3d']),
        helper.make_node('Mul', ['last_hidden_state', 'mask_3d'], ['masked']),
        helper.make_node('ReduceSum', ['masked', 'seq_axis'], ['masked_sum'], keepdims=0),
        helper.make_node('ReduceSum', ['mask_3d', 'seq_axis'], ['mask_count'], keepdims=0),
        helper.make_node('Max', ['mask_count', 'one_f'], ['safe_count']),
        helper.make_node('Div', ['masked_sum', 'safe_count'], ['pooled']),
        helper.make_node('MatMul', ['pooled', 'text_projection'], ['text_embeds']),
    ]
    graph = helper.make_graph(
        nodes, 'tiny_clip_text',
        [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'sequence']),
         helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'sequence'])],
        # last_hidden_state first on purpose: callers must fetch text_embeds by name.
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'sequence', HIDDEN]),
         helper.make_tensor_value_info('text_embeds', TensorProto.FLOAT, ['batch', PROJECTION])],
        inits)
    return finish(graph)


def vision_model(rng):
    """pixel_values -> stride-32 conv (the ViT patch embedding's shape) -> tanh -> global
    average pool -> flatten -> projection."""
    fan_in = 3 * PATCH * PATCH
    inits = [
        numpy_helper.from_array((rng.standard_normal((CONV_CHANNELS, 3, PATCH, PATCH)) / np.sqrt(fan_in)).astype(np.float32), 'patch_weight'),
        numpy_helper.from_array((rng.standard_normal(CONV_CHANNELS) * 0.1).astype(np.float32), 'patch_bias'),
        numpy_helper.from_array((rng.standard_normal((CONV_CHANNELS, PROJECTION)) / np.sqrt(CONV_CHANNELS)).astype(np.float32), 'visual_projection'),
    ]
    nodes = [
        helper.make_node('Conv', ['pixel_values', 'patch_weight', 'patch_bias'], ['patches'], kernel_shape=[PATCH, PATCH], strides=[PATCH, PATCH]),
        helper.make_node('Tanh', ['patches'], ['last_hidden_state']),
        helper.make_node('GlobalAveragePool', ['last_hidden_state'], ['pooled_4d']),
        helper.make_node('Flatten', ['pooled_4d'], ['pooled'], axis=1),
        helper.make_node('MatMul', ['pooled', 'visual_projection'], ['image_embeds']),
    ]
    side = 224 // PATCH
    graph = helper.make_graph(
        nodes, 'tiny_clip_vision',
        [helper.make_tensor_value_info('pixel_values', TensorProto.FLOAT, ['batch', 3, 224, 224])],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', CONV_CHANNELS, side, side]),
         helper.make_tensor_value_info('image_embeds', TensorProto.FLOAT, ['batch', PROJECTION])],
        inits)
    return finish(graph)


def finish(graph):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='nanococoa-tiny-clip')
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_json(name, value):
    with open(os.path.join(OUT, name), 'w', encoding='utf-8') as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write('\n')


def main():
    os.makedirs(os.path.join(OUT, 'onnx'), exist_ok=True)
    byte_map = bytes_to_unicode()
    merges = train_bpe(CORPUS, byte_map)
    tokenizer, tokenizer_config, vocab_size, sot, eot = tokenizer_files(merges, byte_map)
    write_json('tokenizer.json', tokenizer)
    write_json('tokenizer_config.json', tokenizer_config)
    write_json('config.json', {
        '_name_or_path': 'nanococoa/tiny-clip',
        # Read by the service: scores from this model are flagged as test scores.
        'nanococoa_test_model': True,
        'architectures': ['CLIPModel'],
        'model_type': 'clip',
        'projection_dim': PROJECTION,
        'logit_scale_init_value': 2.6592,
        'text_config': {'model_type': 'clip_text_model', 'vocab_size': vocab_size, 'hidden_size': HIDDEN,
                        'max_position_embeddings': MAX_TOKENS, 'bos_token_id': sot, 'eos_token_id': eot, 'pad_token_id': eot},
        'vision_config': {'model_type': 'clip_vision_model', 'image_size': 224, 'patch_size': PATCH, 'hidden_size': CONV_CHANNELS},
    })
    write_json('preprocessor_config.json', {
        'crop_size': {'height': 224, 'width': 224},
        'do_center_crop': True, 'do_convert_rgb': True, 'do_normalize': True, 'do_rescale': True, 'do_resize': True,
        'feature_extractor_type': 'CLIPFeatureExtractor', 'image_processor_type': 'CLIPImageProcessor',
        'image_mean': [0.48145466, 0.4578275, 0.40821073], 'image_std': [0.26862954, 0.26130258, 0.27577711],
        'resample': 3, 'rescale_factor': 0.00392156862745098, 'size': {'shortest_edge': 224},
    })
    rng = np.random.RandomState(SEED)
    onnx.save(text_model(rng, vocab_size), os.path.join(OUT, 'onnx', 'text_model.onnx'))
    onnx.save(vision_model(rng), os.path.join(OUT, 'onnx', 'vision_model.onnx'))
    print(f'wrote {os.path.normpath(OUT)}: vocabulary {vocab_size} ({len(merges)} merges), start {sot}, end {eot}')


if __name__ == '__main__':
    main()
