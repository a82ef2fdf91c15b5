"""English and Simplified Chinese for the app's own words (Gradio translates its standard buttons itself).

Each tab keeps its English text beside its code and asks for it through ``t(key, english)``; the browser's
language picks the translation, and Gradio's *Settings* menu (page footer) switches it: English / 简体中文.
"""

from __future__ import annotations

import gradio as gr
from gradio.i18n import I18nData

_english: dict[str, str] = {}

CHINESE = {
    "title": "# s2s-viz：序列模型实验室",
    "subtitle": "真实的 Keras 模型，在真实数据上训练；每张图都由模型计算得出。",
    "tab.translate": "翻译",
    "tab.forcing": "教师强制 vs 回注",
    "tab.mha": "多头注意力",
    "tab.transformer": "Transformer",
    "tab.birnn": "双向 RNN",
    "tab.vit": "视觉 Transformer",
    "tab.train": "训练",
    "translate.intro": "**字符级翻译模型一次输出一个字符。** 每一步，它把读到的全部内容变成每个字符的概率，然后选出一个（贪心）、保留 k 个最好的部分句子（束搜索），或随机抽取一个（采样）。有注意力的模型会用热力图显示每一步输出读了哪些源字符。*试试：* 翻译 `I am cold.`，然后拖动步骤滑块。",
    "translate.button": "翻译",
    "forcing.intro": "**训练时，解码器通常被喂入正确的上一个字符（教师强制）；翻译时，它只能吃自己的输出（回注）。** 下面同一个模型用两种方式读参考译文。红线左边两者一致；自由运行的解码器一旦出错，就离开了训练时走过的路，给参考字符的概率随之崩塌：这就是*曝光偏差*。*试试：* `I am cold.` 与参考 `J'ai froid.`",
    "forcing.experiment": "**为什么教师强制更常用？** 用相同的数据和随机种子训练两个相同的小模型：一个喂入正确的上一个字符（教师强制），一个喂入自己上一步的预测（回注），也可以加上两者混合（计划采样）。比较它们的验证损失和准确率提升得有多快。",
    "mha.intro": "**注意力让每个字符都能读到其他所有字符。** 每个头把字符投影成查询 Q、键 K 和值 V；查询 i 对键 j 的分数是 Q_i · K_j，再乘以 1/√d_k 缩放，对 j 做 softmax 变成概率，用来对值加权平均。多个头并行计算，结果拼接起来。下面的一切都由我们从零写的层算出；底部的数字是它与持有相同权重的 `keras.layers.MultiHeadAttention` 的最大差异。*试试：* 2 个头的 `attention`，再勾选*因果掩码*。",
    "transformer.intro": "**Transformer 没有循环：每个位置都通过注意力读取其他所有位置。** 编码器的自注意力混合源字符；解码器的自注意力是*因果的*（一个位置只能读更早的位置，所以是三角形）；交叉注意力是解码器读取源句的地方，就像 RNN 的注意力热力图。顺序只通过加在每个字符上的位置编码进入模型。*试试：* 翻译 `I am cold.`，比较不同头的交叉注意力。",
    "birnn.intro": "**RNN 可以把图像当作序列来读：28 行，每行 28 个像素。** 双向 RNN 读两遍，从上到下和从下到上，再合并两个方向的最终输出。热力图显示每个方向读完每一行后的输出；表格显示每种合并方式如何处理两个最终向量。*试试：* 画一个 7，再画一个 1，看前向状态在哪里变化。",
    "vit.intro": "**视觉 Transformer 把图像当作由图块组成的句子来读。** 图像被切成图块，每块投影成一个向量；前面加上一个可学习的*类别标记*，再加上可学习的位置嵌入。经过编码器块之后，用类别标记的向量做分类。下面：类别标记在某个块、某个头里对每个图块的注意力，注意力在所有块中的*展开（rollout）*，以及学到的位置嵌入之间的相似度（模型自己重新发现了行和列）。*试试：* 选测试图像 0，然后在偏离中心的位置画一个数字。",
    "train.intro": "**就在这台机器上训练一个真实的模型。** 选择要训练的模型和数据，按*开始*，看损失下降；每个轮次之后刷新样例输出。*停止*会在下一个批次结束训练，并保留最后完成的轮次。训练好的模型会立刻出现在其他标签页的模型列表中，也可以下载。*试试：* 在 `toy:dates` 上训练注意力模型 3 个轮次（CPU 上约一分钟），然后打开翻译标签页，输入 `27 November 2026`。",
    "train.start": "开始",
    "train.stop": "停止",
    "button.compute": "计算",
    "button.classify": "分类",
    "button.explain": "分类并解释",
    "button.compare": "比较",
    "label.transformer_model": "Transformer 模型",
    "label.also_scheduled_sampling_0_5": "同时训练计划采样（0.5）",
    "label.attention": "注意力",
    "label.batch_size": "批大小",
    "label.beam_width": "束宽",
    "label.block": "块",
    "label.causal_mask_a_decoder_s_self_attention": "因果掩码（解码器的自注意力）",
    "label.d_model": "d_model",
    "label.data": "数据",
    "label.download_the_checkpoint_keras": "下载检查点（.keras）",
    "label.draw_a_digit": "画一个数字",
    "label.epochs": "轮次",
    "label.head_1_mean_of_heads": "头（-1：各头平均）",
    "label.head": "头",
    "label.heads_h": "头数 h",
    "label.input": "输入",
    "label.key_size_d_k": "键维度 d_k",
    "label.layer": "层",
    "label.layers": "层数",
    "label.learning_rate": "学习率",
    "label.merge_modes_applied_to_the_two_final_outputs": "各合并方式作用于两个最终输出",
    "label.model_name_letters_digits": "模型名称（字母、数字、. _ -）",
    "label.model": "模型",
    "label.models_up_to_3": "模型（最多 3 个）",
    "label.or_upload_a_picture": "或上传一张图片",
    "label.positions": "位置数",
    "label.reference_translation": "参考译文",
    "label.replay_decoding_step": "回放：解码步骤",
    "label.rollout_discard_ratio": "展开丢弃比例",
    "label.rollout_head_fusion": "展开的头融合方式",
    "label.sample_attention": "样例注意力",
    "label.samples_after_the_last_epoch": "最近一轮后的样例",
    "label.seed": "随机种子",
    "label.sentence_characters_are_the_tokens": "句子（每个字符是一个词元）",
    "label.show_head": "显示的头",
    "label.size_latent_d_model_units": "规模（隐藏维度 / d_model / 单元数）",
    "label.source_sentence": "源句子",
    "label.source": "源句子",
    "label.steps_chosen_character_and_top_5": "步骤：选中的字符及前 5 名",
    "label.strategy": "策略",
    "label.task": "任务",
    "label.teacher_forcing_ratio_1_teacher_forcing_0_reinjection": "教师强制比例（1 = 教师强制，0 = 回注）",
    "label.temperature": "温度",
    "label.test_image_index_0_9999": "测试图像编号（0-9999）",
    "label.training_pairs_images_3": "训练句对数 / 图像数 ÷ 3",
    "label.translation": "译文",
    "label.what_to_train": "训练什么",
    "label.written_so_far": "已写出的内容",
}


def t(key: str, english: str) -> I18nData:
    """The text for ``key``: ``english`` here, translated where the browser (or Settings) asks for Chinese."""
    _english[key] = english
    return I18nData(key)


def english(text) -> str:
    """The English words of a label made by ``t`` (or the text itself), for messages written on the server."""
    if isinstance(text, I18nData):
        return _english.get(text.key, text.key)
    return str(text) if text is not None else ""


def translations() -> gr.I18n:
    """Everything ``t`` was asked for, in both languages; pass it to ``launch(i18n=...)``."""
    return gr.I18n(en=dict(_english), **{"zh-CN": {key: CHINESE.get(key, text) for key, text in _english.items()}})
