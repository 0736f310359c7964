use super::*;

fn quotes(text: &str) -> Vec<String> {
    problems(text).into_iter().map(|p| p.quote).collect()
}

#[test]
fn an_adjective_agreeing_with_a_word_outside_the_quote_is_not_a_problem_alone() {
    let text = "Ждал доставку 12 дней. В итоге привезли треснутую. Спасибо, не надо.";
    assert_eq!(
        phrase(&problems(text)),
        None,
        "«Нам жаль, что треснутую» is not Russian"
    );
    assert_eq!(
        phrase(&problems("Коробка пришла треснутая")).as_deref(),
        Some("коробка пришла треснутая")
    );
}

#[test]
fn the_lexicon_loads() {
    assert!(lexicon().faults.len() > 100);
    assert!(lexicon().parts.len() > 100);
}

#[test]
fn problems_are_quoted_in_the_customers_words() {
    assert_eq!(quotes("Ремешок порвался, обидно"), ["ремешок порвался"]);
    assert_eq!(
        quotes("Пульт не реагирует на нажатия"),
        ["пульт не реагирует на нажатия"]
    );
    assert_eq!(
        quotes("Экран погас через неделю, больше не включается"),
        ["экран погас через неделю", "не включается"]
    );
    assert_eq!(quotes("Цвет не как на фото!"), ["цвет не как на фото"]);
    assert_eq!(
        quotes("Скакалка норм, но счётчик сбрасывается посреди тренировки и крышка батарейного отсека отваливается"),
        ["счётчик сбрасывается", "крышка батарейного отсека отваливается"]
    );
    assert_eq!(quotes("Маломерит на размер"), ["маломерит на размер"]);
    assert_eq!(quotes("Пришла не та модель"), ["пришла не та модель"]);
    assert_eq!(
        quotes("Браслет перестал синхронизироваться с телефоном"),
        ["браслет перестал синхронизироваться с телефоном"]
    );
    assert_eq!(
        quotes("Сломалась через день"),
        Vec::<String>::new(),
        "no subject to agree with"
    );
    assert_eq!(quotes("Всё отлично, спасибо"), Vec::<String>::new());
}

#[test]
fn every_form_of_a_listed_verb_is_found() {
    assert_eq!(verb_variants("показывает"), ["показывают", "показывать"]);
    assert_eq!(verb_variants("отключает*"), ["отключают*", "отключать*"]);
    assert_eq!(verb_variants("шумит"), ["шумят", "шумат", "шумить"]);
    assert!(verb_variants("мал").is_empty());
    assert_eq!(
        quotes("Часы не показывают уведомления"),
        ["часы не показывают уведомления"]
    );
    assert_eq!(
        quotes("Фен начал пахнуть горелым и отключаться"),
        ["фен начал пахнуть горелым и отключаться"]
    );
    assert_eq!(
        quotes("Начала отключаться через день"),
        Vec::<String>::new(),
        "a feminine auxiliary needs its subject"
    );
}

#[test]
fn a_quote_keeps_the_object_of_its_verb() {
    assert_eq!(
        quotes("Электрическая зубная щётка перестала держать заряд"),
        ["щётка перестала держать заряд"]
    );
    assert_eq!(
        quotes("Планшет не видит сим карту, хотя вставлена правильно"),
        ["планшет не видит сим карту"]
    );
    assert_eq!(
        quotes("Роутер постоянно теряет сеть"),
        ["роутер постоянно теряет сеть"]
    );
    assert_eq!(
        quotes("Кабель перестал заряжать телефон через неделю"),
        ["кабель перестал заряжать телефон через неделю"]
    );
    assert_eq!(
        quotes("Счётчик сбрасывается посреди тренировки"),
        ["счётчик сбрасывается"],
        "a preposition starts no object"
    );
}

#[test]
fn the_subject_is_the_noun_before_the_fault_past_adverbs_and_prepositions() {
    assert_eq!(
        quotes("Дозатор у геля не работает"),
        ["дозатор у геля не работает"]
    );
    assert_eq!(
        quotes("спустя два дня у сумки оторвалась ручка, а замок заедает через раз"),
        ["оторвалась ручка", "замок заедает через раз"],
        "«у сумки» is not the subject"
    );
    assert_eq!(
        quotes("Тормозные колодки скрипят страшно"),
        ["тормозные колодки скрипят"]
    );
    assert_eq!(
        phrase(&problems("скрипят страшно")),
        None,
        "«товар скрипят» is not Russian"
    );
}

#[test]
fn faults_are_read_from_the_shape_of_the_clause() {
    assert_eq!(
        quotes("Аккумулятор не вставляется в гнездо"),
        ["аккумулятор не вставляется в гнездо"],
        "a negated verb"
    );
    assert_eq!(quotes("Духи не стойкие совсем"), ["духи не стойкие"]);
    assert_eq!(
        quotes("Орехи пришли прогорклые"),
        ["орехи пришли прогорклые"]
    );
    assert_eq!(
        quotes("Вместо чёрного пришёл белый чехол"),
        ["пришёл белый чехол"],
        "a parcel in a state it should not be in"
    );
    assert_eq!(
        quotes("Посылка пришла целая, спасибо"),
        Vec::<String>::new()
    );
    assert_eq!(
        quotes("Не могу промолчать, не советую"),
        Vec::<String>::new(),
        "the customer's own verbs"
    );
    assert_eq!(quotes("Нет претензий"), Vec::<String>::new());
    assert_eq!(
        quotes("цвет не такой как на картинке"),
        ["цвет не такой как на картинке"]
    );
}

#[test]
fn a_root_takes_any_prefix_and_a_long_word_one_slip() {
    assert_eq!(quotes("Печенье крошится"), ["печенье крошится"]);
    assert_eq!(quotes("Шоколад растаял"), ["шоколад растаял"]);
    assert_eq!(quotes("утюг подтикает водой"), ["утюг подтикает водой"]);
}

#[test]
fn a_second_predicate_joins_the_first() {
    assert_eq!(
        quotes("Полотенца после стирки стали жёсткие и полиняли"),
        ["полотенца после стирки стали жёсткие и полиняли"]
    );
}

#[test]
fn a_tail_ends_at_its_noun_and_an_adverb_fault_starts_at_its_verb() {
    assert_eq!(
        quotes("доставили с опозданием на неделю коробка мокрая"),
        ["доставили с опозданием на неделю"]
    );
    assert_eq!(
        quotes("Шоколад растаял в дороге и побелел"),
        ["шоколад растаял в дороге"]
    );
    assert_eq!(quotes("Ночник светит тускло"), ["ночник светит тускло"]);
    assert_eq!(quotes("Гантели облезли"), ["гантели облезли"]);
}

#[test]
fn two_problems_make_one_phrase() {
    let p = problems("счетчик сбрасывается, крышка отваливается");
    assert_eq!(
        phrase(&p).as_deref(),
        Some("счетчик сбрасывается, а крышка отваливается")
    );
    assert_eq!(
        phrase(&problems("не включается")).as_deref(),
        Some("товар не включается")
    );
}
