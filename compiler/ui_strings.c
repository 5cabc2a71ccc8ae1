/* SPDX-License-Identifier: MIT */
/*
 * ui_strings.c: the built-in tables of the site's words (ui_strings.h):
 * English, Chinese (zh) and Japanese (ja). A key missing from a table
 * falls back to English; a test checks that none is missing.
 */
#include "ui_strings.h"

#include <string.h>

#include "json_out.h"

#define E(k, name, text) [k] = name
const char *const cb_ui__keys[CB_UI_N] = {
#include "ui_strings_en.inc"
};
#undef E

#define E(k, name, text) [k] = text
static const char *const english[CB_UI_N] = {
#include "ui_strings_en.inc"
};
#undef E

static const char *const chinese[CB_UI_N] = {
    [CB_UI_SKIP_TO_CONTENT] = "跳到正文",
    [CB_UI_TABLE_OF_CONTENTS] = "目录",
    [CB_UI_CONTENTS] = "目录",
    [CB_UI_SEARCH_LABEL] = "搜索指南",
    [CB_UI_SEARCH_PLACEHOLDER] = "搜索  /",
    [CB_UI_SEARCH_RESULTS] = "搜索结果",
    [CB_UI_ALL_CASES] = "全部案例",
    [CB_UI_TAGS] = "标签",
    [CB_UI_CHANGES] = "变更",
    [CB_UI_PRINT_VIEW] = "打印视图",
    [CB_UI_ALL_CHAPTERS] = "… 全部章节",
    [CB_UI_VERSION] = "版本 {s}",
    [CB_UI_UNVERSIONED] = "无版本",
    [CB_UI_UNCOMMITTED] = "未提交的修改",
    [CB_UI_PERMALINK] = "永久链接",
    [CB_UI_SCROLL_TABLE] = "表格（可横向滚动）",
    [CB_UI_CHAPTERS] = "章节",
    [CB_UI_QUESTIONS] = "问题",
    [CB_UI_CRITERIA] = "评判标准",
    [CB_UI_CASES] = "案例",
    [CB_UI_ON_THIS_PAGE] = "本页内容",
    [CB_UI_TYPE] = "类型",
    [CB_UI_OPTIONS] = "选项",
    [CB_UI_N_QUESTION] = "{n} 个问题",
    [CB_UI_N_QUESTIONS] = "{n} 个问题",
    [CB_UI_N_CRITERION] = "{n} 条标准",
    [CB_UI_N_CRITERIA] = "{n} 条标准",
    [CB_UI_N_CASE] = "{n} 个案例",
    [CB_UI_N_CASES] = "{n} 个案例",
    [CB_UI_WHAT_CHANGED] = "变更内容",
    [CB_UI_PRINT_TOO_LARGE] =
        "本书太大，无法作为一页打印。请从各章自己的页面打印：网站的每一页"
        "都有打印版式。",
    [CB_UI_QUESTION] = "问题",
    [CB_UI_OPTION] = "选项",
    [CB_UI_SCORE] = "分数",
    [CB_UI_MEANING] = "含义",
    [CB_UI_CRITERION] = "标准",
    [CB_UI_CASE] = "案例",
    [CB_UI_SECTION] = "小节",
    [CB_UI_CHAPTER] = "章",
    [CB_UI_REQUIRED] = "必答",
    [CB_UI_YES] = "是",
    [CB_UI_NO] = "否",
    [CB_UI_WHEN] = "条件",
    [CB_UI_SCOPE] = "范围",
    [CB_UI_EACH_RESPONSE] = "每个回复",
    [CB_UI_RESPONSES] = "回复",
    [CB_UI_HINT] = "提示",
    [CB_UI_SCALE] = "量表 {s}",
    [CB_UI_APPLIES_TO] = "适用于",
    [CB_UI_SEVERITY] = "严重程度",
    [CB_UI_POINTS] = "分值",
    [CB_UI_DEMONSTRATED_BY] = "示例案例",
    [CB_UI_NO_CASE_YET] = "暂无案例",
    [CB_UI_NEW] = "新增",
    [CB_UI_NEW_SINCE] = "自 {s} 起新增",
    [CB_UI_CHANGED] = "已修改",
    [CB_UI_CHANGED_SINCE] = "自 {s} 起修改",
    [CB_UI_LAST_CHANGED] = "最后修改",
    [CB_UI_PROMPT] = "提示词",
    [CB_UI_RESPONSE] = "回复",
    [CB_UI_SYSTEM] = "系统",
    [CB_UI_CONTEXT] = "上下文",
    [CB_UI_USER] = "用户",
    [CB_UI_ASSISTANT] = "助手",
    [CB_UI_N_LINE] = "（{n} 行）",
    [CB_UI_N_LINES] = "（{n} 行）",
    [CB_UI_CONVERSATION] = "对话",
    [CB_UI_NONE] = "无",
    [CB_UI_TIE] = "平局",
    [CB_UI_PREFERRED] = "更好",
    [CB_UI_STRONGLY_PREFERRED] = "明显更好",
    [CB_UI_GOLD_ANSWERS] = "标准答案",
    [CB_UI_SOURCE] = "来源",
    [CB_UI_FILTER_CASES] = "筛选案例",
    [CB_UI_TAG] = "标签",
    [CB_UI_GOLD_ANSWER] = "标准答案",
    [CB_UI_ANY] = "全部",
    [CB_UI_N_OF_CASES] = "{n} / {s} 个案例",
    [CB_UI_NO_TAGS] = "没有案例带标签。",
    [CB_UI_ALL_TAGS] = "全部标签",
    [CB_UI_WITH_ANSWERS] = "连同答案",
    [CB_UI_TAG_TITLE] = "标签 {s}",
    [CB_UI_CHANGES_SINCE] = "自 {s} 以来的变更",
    [CB_UI_NO_BASE] = "本次构建没有可比较的基准版本。",
    [CB_UI_NOTHING_CHANGED] = "没有变更。",
    [CB_UI_BREAKING] = "破坏性变更",
    [CB_UI_BREAKING_NOTE] = "这些变更会使已有标注失效。",
    [CB_UI_GOLD_CHANGES] = "标准答案",
    [CB_UI_GOLD_CHANGES_NOTE] = "改变了的标准答案，以及被删除的定稿案例。",
    [CB_UI_SEMANTIC] = "含义变更",
    [CB_UI_SEMANTIC_NOTE] = "改写了的定义。",
    [CB_UI_ADDITIVE] = "新增内容",
    [CB_UI_ADDITIVE_NOTE] = "新的问题、选项、标准和案例。",
    [CB_UI_COSMETIC] = "表面修改",
    [CB_UI_COSMETIC_NOTE] = "含义没有变化。",
    [CB_UI_BEFORE] = "之前",
    [CB_UI_AFTER] = "之后",
    [CB_UI_RESULT] = "“{s}”的结果：{n} 条",
    [CB_UI_RESULTS] = "“{s}”的结果：{n} 条",
    [CB_UI_PARTIAL] =
        "没有结果包含全部词语。以下 {n} 条是最接近的部分匹配：",
    [CB_UI_MISSING] = "缺少：{s}",
    [CB_UI_SPELLED_AS] = "按相近的拼写查找：{s}",
    [CB_UI_FIRST_SHOWN] = "仅显示前 {n} 条：添加词语以缩小范围。",
    [CB_UI_INDEX_MISSING] = "无法加载搜索索引（search-index.js）。",
    [CB_UI_CLOSE_SEARCH] = "关闭搜索",
};

static const char *const japanese[CB_UI_N] = {
    [CB_UI_SKIP_TO_CONTENT] = "本文へ移動",
    [CB_UI_TABLE_OF_CONTENTS] = "目次",
    [CB_UI_CONTENTS] = "目次",
    [CB_UI_SEARCH_LABEL] = "ガイドラインを検索",
    [CB_UI_SEARCH_PLACEHOLDER] = "検索  /",
    [CB_UI_SEARCH_RESULTS] = "検索結果",
    [CB_UI_ALL_CASES] = "すべての事例",
    [CB_UI_TAGS] = "タグ",
    [CB_UI_CHANGES] = "変更点",
    [CB_UI_PRINT_VIEW] = "印刷用表示",
    [CB_UI_ALL_CHAPTERS] = "… すべての章",
    [CB_UI_VERSION] = "バージョン {s}",
    [CB_UI_UNVERSIONED] = "バージョンなし",
    [CB_UI_UNCOMMITTED] = "未コミットの変更",
    [CB_UI_PERMALINK] = "パーマリンク",
    [CB_UI_SCROLL_TABLE] = "表（横にスクロールできます）",
    [CB_UI_CHAPTERS] = "章",
    [CB_UI_QUESTIONS] = "設問",
    [CB_UI_CRITERIA] = "評価基準",
    [CB_UI_CASES] = "事例",
    [CB_UI_ON_THIS_PAGE] = "このページの内容",
    [CB_UI_TYPE] = "種類",
    [CB_UI_OPTIONS] = "選択肢",
    [CB_UI_N_QUESTION] = "設問 {n} 件",
    [CB_UI_N_QUESTIONS] = "設問 {n} 件",
    [CB_UI_N_CRITERION] = "基準 {n} 件",
    [CB_UI_N_CRITERIA] = "基準 {n} 件",
    [CB_UI_N_CASE] = "事例 {n} 件",
    [CB_UI_N_CASES] = "事例 {n} 件",
    [CB_UI_WHAT_CHANGED] = "変更点",
    [CB_UI_PRINT_TOO_LARGE] =
        "この本は大きすぎて1ページでは印刷できません。各章のページから印刷して"
        "ください。サイトのどのページにも印刷用のレイアウトがあります。",
    [CB_UI_QUESTION] = "設問",
    [CB_UI_OPTION] = "選択肢",
    [CB_UI_SCORE] = "スコア",
    [CB_UI_MEANING] = "意味",
    [CB_UI_CRITERION] = "基準",
    [CB_UI_CASE] = "事例",
    [CB_UI_SECTION] = "節",
    [CB_UI_CHAPTER] = "章",
    [CB_UI_REQUIRED] = "必須",
    [CB_UI_YES] = "はい",
    [CB_UI_NO] = "いいえ",
    [CB_UI_WHEN] = "条件",
    [CB_UI_SCOPE] = "範囲",
    [CB_UI_EACH_RESPONSE] = "応答ごと",
    [CB_UI_RESPONSES] = "応答",
    [CB_UI_HINT] = "ヒント",
    [CB_UI_SCALE] = "尺度 {s}",
    [CB_UI_APPLIES_TO] = "対象",
    [CB_UI_SEVERITY] = "重大度",
    [CB_UI_POINTS] = "点数",
    [CB_UI_DEMONSTRATED_BY] = "該当する事例",
    [CB_UI_NO_CASE_YET] = "事例はまだありません",
    [CB_UI_NEW] = "新規",
    [CB_UI_NEW_SINCE] = "{s} 以降の新規",
    [CB_UI_CHANGED] = "変更あり",
    [CB_UI_CHANGED_SINCE] = "{s} 以降に変更",
    [CB_UI_LAST_CHANGED] = "最終変更",
    [CB_UI_PROMPT] = "プロンプト",
    [CB_UI_RESPONSE] = "応答",
    [CB_UI_SYSTEM] = "システム",
    [CB_UI_CONTEXT] = "文脈",
    [CB_UI_USER] = "ユーザー",
    [CB_UI_ASSISTANT] = "アシスタント",
    [CB_UI_N_LINE] = "（{n} 行）",
    [CB_UI_N_LINES] = "（{n} 行）",
    [CB_UI_CONVERSATION] = "会話",
    [CB_UI_NONE] = "なし",
    [CB_UI_TIE] = "同等",
    [CB_UI_PREFERRED] = "が良い",
    [CB_UI_STRONGLY_PREFERRED] = "がはるかに良い",
    [CB_UI_GOLD_ANSWERS] = "正解",
    [CB_UI_SOURCE] = "出典",
    [CB_UI_FILTER_CASES] = "事例の絞り込み",
    [CB_UI_TAG] = "タグ",
    [CB_UI_GOLD_ANSWER] = "正解",
    [CB_UI_ANY] = "すべて",
    [CB_UI_N_OF_CASES] = "事例 {s} 件中 {n} 件",
    [CB_UI_NO_TAGS] = "タグの付いた事例はありません。",
    [CB_UI_ALL_TAGS] = "すべてのタグ",
    [CB_UI_WITH_ANSWERS] = "正解つき",
    [CB_UI_TAG_TITLE] = "タグ {s}",
    [CB_UI_CHANGES_SINCE] = "{s} 以降の変更点",
    [CB_UI_NO_BASE] = "このビルドには比較する基準のバージョンがありません。",
    [CB_UI_NOTHING_CHANGED] = "変更はありません。",
    [CB_UI_BREAKING] = "互換性のない変更",
    [CB_UI_BREAKING_NOTE] = "既存のアノテーションを無効にする変更です。",
    [CB_UI_GOLD_CHANGES] = "正解",
    [CB_UI_GOLD_CHANGES_NOTE] = "変わった正解と、削除された確定済みの事例。",
    [CB_UI_SEMANTIC] = "意味の変更",
    [CB_UI_SEMANTIC_NOTE] = "書き直された定義。",
    [CB_UI_ADDITIVE] = "追加",
    [CB_UI_ADDITIVE_NOTE] = "新しい設問、選択肢、基準、事例。",
    [CB_UI_COSMETIC] = "表記の変更",
    [CB_UI_COSMETIC_NOTE] = "意味は変わっていません。",
    [CB_UI_BEFORE] = "変更前",
    [CB_UI_AFTER] = "変更後",
    [CB_UI_RESULT] = "「{s}」の検索結果 {n} 件",
    [CB_UI_RESULTS] = "「{s}」の検索結果 {n} 件",
    [CB_UI_PARTIAL] =
        "すべての語を含む結果はありません。部分的に一致する上位 {n} 件：",
    [CB_UI_MISSING] = "含まれない語：{s}",
    [CB_UI_SPELLED_AS] = "近いつづりで検索しました：{s}",
    [CB_UI_FIRST_SHOWN] = "最初の {n} 件を表示しています。語を足すと絞り込めます。",
    [CB_UI_INDEX_MISSING] = "検索インデックス（search-index.js）を読み込めませんでした。",
    [CB_UI_CLOSE_SEARCH] = "検索を閉じる",
};

int cb_ui__key(const char *name) {
  for (int k = 0; k < CB_UI_N; k++)
    if (strcmp(cb_ui__keys[k], name) == 0)
      return k;
  return -1;
}

int cb_ui__builtin(const char *out[CB_UI_N], const char *language) {
  const char *const *table = NULL;
  if (language) {
    /* the primary subtag, without regard to case */
    char primary[9] = {0};
    for (size_t i = 0; i < 8 && language[i] && language[i] != '-'; i++)
      primary[i] = (char)(language[i] | 0x20);
    if (strcmp(primary, "en") == 0)
      table = english;
    else if (strcmp(primary, "zh") == 0)
      table = chinese;
    else if (strcmp(primary, "ja") == 0)
      table = japanese;
  }
  for (int k = 0; k < CB_UI_N; k++)
    out[k] = table && table[k] ? table[k] : english[k];
  return !language || table != NULL;
}

void cb_ui__format(cb_buf *b, const char *s, size_t n, const char *text) {
  const char *p = s;
  while (*p) {
    const char *open = strchr(p, '{');
    if (!open) {
      cb_buf_puts(b, p);
      return;
    }
    cb_buf_append(b, p, (size_t)(open - p));
    if (strncmp(open, "{n}", 3) == 0) {
      cb_buf_printf(b, "%zu", n);
      p = open + 3;
    } else if (strncmp(open, "{s}", 3) == 0) {
      cb_buf_puts(b, text ? text : "");
      p = open + 3;
    } else {
      cb_buf_putc(b, '{');
      p = open + 1;
    }
  }
}

void cb_ui__script_json(cb_buf *out, const char *const ui[CB_UI_N]) {
  static const cb_ui keys[] = {
      CB_UI_QUESTION,      CB_UI_OPTION,       CB_UI_CRITERION,
      CB_UI_CASE,          CB_UI_SECTION,      CB_UI_CHAPTER,
      CB_UI_RESULT,        CB_UI_RESULTS,      CB_UI_PARTIAL,
      CB_UI_MISSING,       CB_UI_SPELLED_AS,   CB_UI_FIRST_SHOWN,
      CB_UI_INDEX_MISSING, CB_UI_CLOSE_SEARCH, CB_UI_N_CASE,
      CB_UI_N_CASES,       CB_UI_N_OF_CASES,   CB_UI_SCROLL_TABLE};
  cb_buf json = {0};
  cb_buf_putc(&json, '{');
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *key = cb_ui__keys[keys[i]], *text = ui[keys[i]];
    if (i)
      cb_buf_putc(&json, ',');
    cb_json__string(&json, key, strlen(key));
    cb_buf_putc(&json, ':');
    cb_json__string(&json, text, strlen(text));
  }
  cb_buf_putc(&json, '}');
  /* no text can end the element it stands in */
  for (size_t i = 0; i < json.len; i++) {
    if (json.data[i] == '<')
      cb_buf_puts(out, "\\u003c");
    else
      cb_buf_putc(out, json.data[i]);
  }
  if (json.failed)
    out->failed = 1;
  cb_buf_free(&json);
}
