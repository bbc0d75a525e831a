"""Words for codes in exported files, which are read by people (in Excel), not programs."""

KIND_NAMES = {
    "withdrawal": "取款",
    "balance_inquiry": "余额查询",
    "transfer": "转账汇款",
    "cash_remittance": "现金汇款",
    "bill_payment": "代缴费",
    "void": "冲正",
}
