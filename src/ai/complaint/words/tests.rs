use super::*;

#[test]
fn roots_are_found_after_a_prefix() {
    assert!(has_root("раскрошенное", "крош"));
    assert!(has_root("крошится", "крош"));
    assert!(has_root("сдулся", "дул"));
    assert!(
        !has_root("дуло", "дул"),
        "a three-letter root needs a prefix"
    );
    assert!(!has_root("модуль", "дул"), "«мо» is no prefix");
}

#[test]
fn one_slip_is_forgiven() {
    assert!(one_slip_apart("подтикает", "подтекает"));
    assert!(one_slip_apart("кросовк", "кроссовк"));
    assert!(one_slip_apart("заряжаеться", "заряжается"));
    assert!(one_slip_apart("отклеилсь", "отклеилась"));
    assert!(one_slip_apart("олтклеилась", "отклеилась"));
    assert!(one_slip_apart("отлкеилась", "отклеилась"));
    assert!(!one_slip_apart("подтикаешь", "подтекает"));
}

#[test]
fn verbs_adjectives_and_function_words() {
    assert!(is_verb_like("держит"));
    assert!(is_verb_like("отвалилась"));
    assert!(!is_verb_like("заряд"));
    assert!(!is_verb_like("пол"));
    assert!(!is_verb_like("сеть"));
    assert!(is_verb_like("держать"));
    assert!(is_adjective_like("прогорклые"));
    assert!(!is_adjective_like("нога"));
    assert!(is_function_word("через"));
    assert!(is_function_word("5"));
    assert!(is_customer_verb("советую"));
    assert!(!is_customer_verb("держит"));
}
