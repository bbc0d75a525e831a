// The words of field work shared by the field worker's phone (field.js) and the console's
// field pages: the categories of villagers' requests and the inspection checklist, as
// app/models/field.py REQUEST_CATEGORIES and INSPECTION_ITEMS.
export const REQUEST_CATEGORIES = ['card_service', 'cash_service', 'fraud_report', 'complaint', 'credit',
  'social_security', 'other'];
export const INSPECTION_ITEMS = ['terminal_works', 'signage', 'fee_list_posted', 'notices_posted',
  'register_kept', 'keeper_knows_rules', 'cash_adequate'];

export const FIELD_WORDS = {
  zh: {
    cat_card_service: '银行卡业务', cat_cash_service: '取款服务', cat_fraud_report: '涉诈举报',
    cat_complaint: '投诉', cat_credit: '贷款信用', cat_social_security: '社保医保', cat_other: '其他',
    item_terminal_works: '机具运行正常', item_signage: '标识标牌规范', item_fee_list_posted: '收费标准已公示',
    item_notices_posted: '告知事项已张贴', item_register_kept: '业务登记簿按时登记',
    item_keeper_knows_rules: '负责人熟悉业务规定', item_cash_adequate: '备付金充足',
  },
  en: {
    cat_card_service: 'Card service', cat_cash_service: 'Cash service', cat_fraud_report: 'Fraud report',
    cat_complaint: 'Complaint', cat_credit: 'Credit', cat_social_security: 'Social security', cat_other: 'Other',
    item_terminal_works: 'Terminal works', item_signage: 'Signage', item_fee_list_posted: 'Fee list posted',
    item_notices_posted: 'Notices posted', item_register_kept: 'Register kept',
    item_keeper_knows_rules: 'Keeper knows the rules', item_cash_adequate: 'Cash adequate',
  },
};
