-- 中文示例：客服回复质量标注指南。
-- 标题关键词同时接受英文和中文。

title = "客服回复质量标注指南"
version = "1.0.0"
chapters = { "指南.md", "案例.md" }
keywords = {
  case = { "Case", "案例" },
  question = { "Question", "问题" },
  criterion = { "Criterion", "准则" },
}
