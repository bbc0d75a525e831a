"""Words for codes in exported files, which are read by people (in Excel), not programs."""

KIND_NAMES = {
    "withdrawal": "取款",
    "balance_inquiry": "余额查询",
    "transfer": "转账汇款",
    "cash_remittance": "现金汇款",
    "bill_payment": "代缴费",
    "card_repayment": "信用卡还款",
    "mobile_banking": "手机银行开通",
    "social_security": "社保卡业务",
    "void": "冲正",
}

CHANNEL_NAMES = {"point": "服务点", "grid": "网格员帮办", "mobile": "流动服务"}
